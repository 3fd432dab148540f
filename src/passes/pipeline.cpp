#include "passes/passes.h"

namespace calibra {

Status optimize_graph(Graph& g) {
  CALIBRA_TRY(remove_identity(g));
  CALIBRA_TRY(fold_constants(g));
  CALIBRA_TRY(remove_dead_nodes(g));
  CALIBRA_TRY(fold_batchnorm(g));
  CALIBRA_TRY(fuse_residual_add(g));
  CALIBRA_TRY(fuse_activations(g));
  CALIBRA_TRY(fuse_qdq(g));
  CALIBRA_TRY(remove_dead_nodes(g));
  return g.topo_sort();
}

}  // namespace calibra

namespace calibra {

Status optimize_for_quantization(Graph& g) {
  CALIBRA_TRY(remove_identity(g));
  CALIBRA_TRY(fold_constants(g));
  CALIBRA_TRY(remove_dead_nodes(g));
  CALIBRA_TRY(fold_batchnorm(g));
  CALIBRA_TRY(fuse_activations(g));
  CALIBRA_TRY(remove_dead_nodes(g));
  return g.topo_sort();
}

}  // namespace calibra
