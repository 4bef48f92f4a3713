//! One pool of threads for all the generator's parallel work.
//!
//! Formatting is most of what generation costs, and its pieces are
//! independent, so they run on all cores. Callers that generate several specs
//! at once (`cargo xtask bench`, `codegen`) share the same pool through
//! [`map`], so a spec's pieces and other specs take turns on the same
//! threads instead of each call starting threads of its own: threads that
//! live for the whole process keep their allocator caches warm, where new
//! threads per call began every spec on fresh pages.

use std::sync::OnceLock;

use rayon::prelude::*;

/// Stack for the pool's threads: what a main thread has on Linux, so that
/// deeply nested specs behave as they do when generated on one thread.
const STACK_SIZE: usize = 8 << 20;

/// The pool, started on first use with a thread per core. `None` if the
/// threads could not be started; then everything runs on the caller's thread.
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("generator-{i}"))
            .stack_size(STACK_SIZE)
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `work` on every item, on the pool's threads, and returns the results
/// in the items' order. A panic in `work` is passed on to the caller as if
/// it had happened on this thread.
///
/// Called from inside the pool (a spec's pieces while specs run in
/// parallel), the items join the same pool's queue.
pub fn map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    if items.len() < 2 {
        return items.iter().map(work).collect();
    }
    let run = || items.par_iter().map(&work).collect();
    match pool() {
        // Already on one of the pool's threads: queue there, not in a new install.
        Some(pool) if pool.current_thread_index().is_some() => run(),
        Some(pool) => pool.install(run),
        None => items.iter().map(&work).collect(),
    }
}

/// Runs `a` and `b`, on two of the pool's threads when one is free, and
/// returns both results.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    match pool() {
        Some(pool) if pool.current_thread_index().is_some() => rayon::join(a, b),
        Some(pool) => pool.install(|| rayon::join(a, b)),
        None => (a(), b()),
    }
}

/// How many threads [`map`] spreads work over.
pub fn threads() -> usize {
    pool().map_or(1, rayon::ThreadPool::current_num_threads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = map(&items, |i| i * 2);
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn nested_maps_share_the_pool() {
        let outer: Vec<usize> = (0..8).collect();
        let sums = map(&outer, |&n| {
            let inner: Vec<usize> = (0..=n).collect();
            map(&inner, |i| *i).into_iter().sum::<usize>()
        });
        assert_eq!(sums, vec![0, 1, 3, 6, 10, 15, 21, 28]);
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let items = [1, 2, 3];
        let caught = std::panic::catch_unwind(|| {
            map(&items, |&i| {
                assert_ne!(i, 2, "two");
                i
            })
        });
        assert!(caught.is_err());
    }
}
