import sys, json, warnings, numpy as np, anndata, scipy.sparse as sp
from sklearn.decomposition import NMF
from threadpoolctl import threadpool_limits
warnings.filterwarnings('ignore')
path, k, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]
A = sp.csr_matrix(anndata.read_h5ad(path).X).astype(np.float64)
with threadpool_limits(1):
    if variant == 'cd-fro': m = NMF(k, init='nndsvda', solver='cd', beta_loss='frobenius', max_iter=200, tol=1e-4, random_state=0)
    else: m = NMF(k, init='nndsvda', solver='mu', beta_loss='kullback-leibler', max_iter=200, tol=1e-4, random_state=0)
    W = m.fit_transform(A); H = m.components_
if variant == 'cd-fro':
    # 0.5 ||A - WH||^2 = 0.5 (||A||^2 - 2 <A, WH> + ||W^T W H H^T||) evaluated sparsely
    AH = A @ H.T
    loss = 0.5 * (A.multiply(A).sum() - 2 * np.sum(AH * W) + np.sum((W.T @ W) * (H @ H.T)))
else:
    Ac = A.tocoo(); wh = np.einsum('ij,ij->i', W[Ac.row], H[:, Ac.col].T)
    loss = float(np.sum(Ac.data * np.log(Ac.data / wh)) - Ac.data.sum() + W.sum(0) @ H.sum(1))
print(json.dumps({'dataset': path, 'k': k, 'variant': variant, 'loss': float(loss), 'iterations': int(m.n_iter_)}))
