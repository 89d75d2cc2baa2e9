//! The processes descended from a local-code child, found through `/proc` and stopped so
//! that none can start another or slip away before they are all killed.

use rustix::process::{kill_process, Pid, Signal};
use std::collections::{BTreeMap, BTreeSet};

/// At most this many passes over `/proc` (each finds the children forked since the last).
const PASSES: usize = 64;

/// Stops `leader` and every process descended from it, and returns them all. The leader must
/// not have been waited for yet, so that its pid is still its own.
pub(super) fn stop(leader: Pid) -> Vec<Pid> {
    let mut stopped = BTreeSet::new();
    let _ = kill_process(leader, Signal::STOP);
    stopped.insert(leader.as_raw_nonzero().get());
    for _ in 0..PASSES {
        let children = children_by_parent();
        let mut found = false;
        let mut queue: Vec<i32> = stopped.iter().copied().collect();
        while let Some(parent) = queue.pop() {
            for &child in children.get(&parent).into_iter().flatten() {
                if stopped.insert(child) {
                    found = true;
                    if let Some(pid) = Pid::from_raw(child) {
                        let _ = kill_process(pid, Signal::STOP);
                    }
                    queue.push(child);
                }
            }
        }
        if !found {
            break;
        }
    }
    stopped.into_iter().filter_map(Pid::from_raw).collect()
}

/// Every process's children, from the parent field of `/proc/<pid>/stat`.
fn children_by_parent() -> BTreeMap<i32, Vec<i32>> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return children;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if let Some(parent) = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .as_deref()
            .and_then(parent_of)
        {
            children.entry(parent).or_default().push(pid);
        }
    }
    children
}

/// The parent pid in a `/proc/<pid>/stat` line: `pid (comm) state ppid …`, where `comm` may
/// hold spaces and parentheses.
fn parent_of(stat: &str) -> Option<i32> {
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_read_after_a_command_name_with_spaces_and_parentheses() {
        assert_eq!(parent_of("42 (a b) c) S 7 42 42 0"), Some(7));
        assert_eq!(parent_of("42 (x"), None);
        assert_eq!(parent_of(""), None);
    }

    #[test]
    fn this_process_is_listed_as_a_child_of_its_parent() {
        let me = i32::try_from(std::process::id()).expect("pid");
        let parent = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
        assert!(children_by_parent()
            .get(&parent)
            .is_some_and(|c| c.contains(&me)));
    }
}
