//! What pages show, kept in memory between writes: every write the store makes says which topics it touched
//! (`ports::Changes`), and what was read at the current stamp of its topics is answered again without asking the
//! database. With several instances on PostgreSQL, each tells the others of its writes (the SQL store's change
//! feed).

mod kept;
mod overview;

pub use crate::ports::Changes;
pub use kept::{Kept, LONGEST_HELD};
pub use overview::{
    ENVIRONMENT_HISTORY, EnvironmentFacts, LIVE_REVIEW_ENVS, OVERVIEW_TOPICS, Overview, RECENT_ACTIVITY, ReadModelCells,
};
