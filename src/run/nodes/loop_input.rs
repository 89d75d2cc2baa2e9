//! LoopInput, run locally: where a Loop body starts; passes on what the Loop (or the last
//! round) gave it. (The executor seeds it at the start of each round.)

node_run!(
    /// Its outputs are its inputs.
    LoopInput => super::pass_on
);
