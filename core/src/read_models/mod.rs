//! What pages show, kept in memory between writes: every write goes through one store decorator that moves a
//! generation number, and what was read at the current generation is answered again without asking the database.
//! With several instances on PostgreSQL, each tells the others of its writes (see `sql_store::change_feed`).

mod changes;
mod memo;
mod overview;
mod watched_store;

pub use changes::Changes;
pub use memo::{LONGEST_HELD, Memo, MemoMap};
pub use overview::{
    ENVIRONMENT_HISTORY, EnvironmentFacts, LIVE_REVIEW_ENVS, Overview, RECENT_ACTIVITY, ReadModelCells,
};
pub use watched_store::Watched;
