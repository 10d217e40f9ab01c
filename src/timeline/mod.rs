//! The time view without a window: the layout of an execution on the time
//! axis (`layout`), the pure draw list for a view of it (`draw`), and the
//! headless SVG rendering of that draw list (`svg`). The app paints the same
//! draw list, so the picture in a bug report is the picture on screen.

pub mod axis;
pub mod bands;
pub mod draw;
pub mod lanes;
pub mod layout;
pub mod png;
pub mod svg;
pub mod tree;

pub use axis::{Axis, AxisKind, Gap};
pub use draw::{shapes, DrawList, DrawOptions, DrawnSpan, SpanKind, Viewport};
pub use lanes::{visible, Folds};
pub use layout::{Band, Lane, Marker, Span, SpanAttempt, Summary, TimelineLayout};
