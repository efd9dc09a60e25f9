// Lock-free union-find over a parent array in device or shared memory, shared by every thread of a grid
// (Playne & Hawick 2018; Allegretti et al. 2020). Invariants: parent[x] <= x, a root is its own parent, and
// every write is an atomicMin, so a parent only ever moves to a smaller index of the same set. Union links the
// larger of two roots under the smaller, so the root of every set is its smallest index. Reads are atomicLoad:
// other threads link and compress the same words concurrently.
//
// Why a lost race is harmless: atomicMin(&parent[b], a) on a b that another thread linked meanwhile moves b
// (and its subtree) under a; the union then goes on to join a's set with b's former parent, so no connection
// is lost, only deferred. Compression re-points a node at a root it was connected to, which keeps it in its set.
// When every thread's unions have returned (at the end of a kernel), the trees are exactly the sets.
#pragma once
#include "runtime/kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

// The root of x's tree, compressing the path walked so that each node on it points at that root.
template <class Index> __device__ __forceinline__ Index uf_find(Index* parent, Index x) {
    Index root = x;
    for (Index up = atomicLoad(&parent[root]); up != root; up = atomicLoad(&parent[root])) root = up;
    // Nodes above the root seen (now smaller than it: linked meanwhile) are left to the next find.
    while (x > root) x = atomicMin(&parent[x], root);
    return root;
}

// Joins the sets of a and b.
template <class Index> __device__ __forceinline__ void uf_union(Index* parent, Index a, Index b) {
    for (;;) {
        a = uf_find(parent, a);
        b = uf_find(parent, b);
        if (a == b) return;
        if (a > b) {
            const Index t = a;
            a = b;
            b = t;
        }
        const Index old = atomicMin(&parent[b], a);  // link the larger root under the smaller
        if (old == b) return;                        // b was still a root: linked
        b = old;  // b had been linked to `old` meanwhile: join a's set with old's
    }
}

}  // namespace skb::gpu::inline SKB_GPU_ABI
