/**
 * The viewer's controls: the mode and key menus, the gene box with its suggestions, and the side
 * panel listing each factor's top features (a click colours by the factor or the gene).
 */
import { factorCard } from './factor-card.js';
import { $, type Mode, type Viewer } from './viewer.js';

/** Switches the map's colouring (web/src/coloring.ts). */
export type SetColoring = (m: Mode, which: number | string) => Promise<void>;

/** The controls' actions: fill the key menu for a mode; put the controls in step with the map. */
export interface Controls {
  fillKeys(m: Mode): void;
  sync(): void;
}

/** Wires the mode/key menus and the gene box of `v` to `setColoring`. */
export function createControls(v: Viewer, setColoring: SetColoring): Controls {
  const { meta, hasLayer, imputedNames } = v;
  const modeSel = $<HTMLSelectElement>('mode');
  const keySel = $<HTMLSelectElement>('key');
  const geneInput = $<HTMLInputElement>('gene');
  if (meta.expressionGenes.length === 0) (modeSel.querySelector('option[value=gene]') as HTMLOptionElement).disabled = true;
  const imputedOption = modeSel.querySelector('option[value=imputed]') as HTMLOptionElement;
  if (hasLayer) imputedOption.textContent = 'imputed gene (model)';
  if (imputedNames.length === 0 || (!hasLayer && v.p === 0)) imputedOption.disabled = true;
  if (meta.clusters.length === 0) (modeSel.querySelector('option[value=cluster]') as HTMLOptionElement).disabled = true;
  const fillKeys = (m: Mode): void => {
    keySel.innerHTML = '';
    const names = m === 'factor' ? meta.factorNames : m === 'cluster' ? meta.clusters.map((c) => c.name) : [];
    names.forEach((s, i) => keySel.add(new Option(s, String(i))));
    keySel.hidden = names.length === 0;
    geneInput.hidden = !(m === 'gene' || m === 'imputed');
    const dl = $('genes');
    dl.innerHTML = '';
    if (m === 'imputed') {
      imputedNames.forEach((g, j) => {
        const measured = meta.imputedMeasured?.[j];
        dl.append(new Option(measured === undefined ? '' : measured ? 'also measured' : 'imputed only', g));
      });
    } else if (m === 'gene') for (const g of meta.expressionGenes) dl.append(new Option(g));
  };
  const sync = (): void => {
    if (modeSel.value !== v.mode) {
      modeSel.value = v.mode;
      fillKeys(v.mode);
    }
    if (v.mode === 'factor' || v.mode === 'cluster') keySel.value = String(v.key);
    else geneInput.value = v.mode === 'gene' ? meta.expressionGenes[v.key] : imputedNames[v.key];
  };
  modeSel.addEventListener('change', () => {
    const m = modeSel.value as Mode;
    fillKeys(m);
    if (m === 'factor' || m === 'cluster') void setColoring(m, 0);
    else {
      const names = m === 'gene' ? meta.expressionGenes : imputedNames;
      // Imputed mode opens on a gene that was not measured, when the result says which those are.
      const unmeasured = m === 'imputed' ? meta.imputedMeasured?.indexOf(false) ?? -1 : -1;
      const first = meta.topFeatures[0]?.[0]?.name;
      void setColoring(m, unmeasured >= 0 ? names[unmeasured] : first && names.includes(first) ? first : names[0]);
    }
  });
  keySel.addEventListener('change', () => void setColoring(v.mode, Number(keySel.value)));
  geneInput.addEventListener('change', () => {
    const names = v.mode === 'gene' ? meta.expressionGenes : imputedNames;
    if (names.includes(geneInput.value)) void setColoring(v.mode, geneInput.value);
  });
  return { fillKeys, sync };
}

/** The side panel: each factor with bars of its top features' weights; a gene link colours by that gene. */
export function factorPanel(v: Viewer, setColoring: SetColoring): void {
  const { meta, imputedNames } = v;
  const panel = $('factors');
  meta.topFeatures.forEach((tops, f) => {
    const label = (feature: string): Node => {
      const a = document.createElement('a');
      a.href = '#';
      a.textContent = feature;
      const measured = meta.expressionGenes.includes(feature);
      const linkable = measured || imputedNames.includes(feature);
      a.title = measured ? 'colour by this gene' : linkable ? 'colour by this imputed gene' : '';
      a.addEventListener('click', (e) => {
        e.preventDefault();
        e.stopPropagation();
        if (linkable) void setColoring(measured ? 'gene' : 'imputed', feature);
      });
      return a;
    };
    const div = factorCard(meta.factorNames[f], tops, { barPixels: 150, label });
    div.addEventListener('click', () => void setColoring('factor', f));
    panel.append(div);
  });
}
