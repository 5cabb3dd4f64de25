/**
 * One factor's card in a side panel, shared by the viewer (web/src/controls.ts) and the app
 * (app/src/main.ts): the factor's name, then a row per top feature with a bar whose width is the
 * feature's weight over the factor's largest.
 */

/** What a card's rows look like. */
export interface FactorCardOptions {
  /** Width of the largest weight's bar, in CSS pixels. */
  barPixels: number;
  /** Smallest bar drawn (so a tiny weight stays visible); default 0. */
  minBarPixels?: number;
  /** The feature's label element (e.g. a link that colours by the gene); default its name as text. */
  label?: (feature: string) => Node;
}

/** A `div.factor` with the name and one `div.gene` row (label in `span.g`, bar `span.w`) per top feature; the caller adds its own click handling. */
export function factorCard(name: string, tops: { name: string; weight: number }[], o: FactorCardOptions): HTMLDivElement {
  const card = document.createElement('div');
  card.className = 'factor';
  const title = document.createElement('div');
  title.className = 'name';
  title.textContent = name;
  card.append(title);
  const largest = tops[0]?.weight || 1;
  for (const t of tops) {
    const row = document.createElement('div');
    row.className = 'gene';
    const g = document.createElement('span');
    g.className = 'g';
    g.append(o.label ? o.label(t.name) : document.createTextNode(t.name));
    const bar = document.createElement('span');
    bar.className = 'w';
    bar.style.width = `${Math.max(o.minBarPixels ?? 0, Math.round((o.barPixels * t.weight) / largest))}px`;
    row.append(g, bar);
    card.append(row);
  }
  return card;
}
