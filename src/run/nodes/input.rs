//! Input, run locally: passes the flow's document on. (The executor seeds the flow's Input
//! nodes itself, with the document the run was given.)

node_run!(
    /// Its outputs are its inputs.
    Input => super::pass_on
);
