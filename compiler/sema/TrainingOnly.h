// Code that only computes a training loss or metric: `self.add_loss(...)`,
// `model.add_metric(...)`, and the assignments whose names only those
// statements read. Keras evaluates them for training; inference never reads
// them, so they are skipped unevaluated (a loss may reduce over the batch,
// which no per-sample model computes).
#pragma once

#include "syntax/AST.h"

#include <set>
#include <vector>

namespace kiln {

// `x.add_loss(...)` or `x.add_metric(...)` as a statement of its own.
bool isLossStatement(const ast::Stmt &stmt);

// Of a block's own statements, the loss statements and, working back, the
// assignments to names that only loss statements (or other such
// assignments) read in the rest of the block.
std::set<const ast::Stmt *> trainingOnlyStatements(const std::vector<ast::StmtPtr> &block);

// Every name a def or lambda may read, in nested blocks and functions too.
std::set<std::string> namesReadBy(const ast::Function &function);
// The names a def binds in its own body, its locals as Python counts them
// (nothing when it declares a name global or nonlocal).
std::set<std::string> localNamesOf(const ast::Function &function);
// Whether a def may change what it is given: it assigns to or deletes an
// attribute or item of a parameter, or calls a method on one (or on what it
// reaches from one) other than those that only read a model (predict,
// summary, get_layer, ...).
bool changesParameters(const ast::Function &function);

}  // namespace kiln
