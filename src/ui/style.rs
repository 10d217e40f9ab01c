//! Shared look: status icons and colours, replay-role colours, theme setup.
//! Status is always an icon plus text; colour only reinforces it.

use crate::model::OpStatus;
use crate::replay::Role;
use egui::{Color32, Visuals};

/// Icon shown next to a status everywhere (table, inspector, timeline tooltips).
pub fn status_icon(s: OpStatus) -> &'static str {
    match s {
        OpStatus::Succeeded => "✔",
        OpStatus::Failed => "✖",
        OpStatus::Started => "▶",
        OpStatus::Pending => "⏸",
        OpStatus::Ready => "◔",
        OpStatus::Cancelled => "⊘",
        OpStatus::TimedOut => "⌛",
        OpStatus::Stopped => "■",
    }
}

/// `✔ SUCCEEDED`
pub fn status_label(s: OpStatus) -> String {
    format!("{} {}", status_icon(s), s.as_str())
}

pub fn status_color(s: OpStatus, dark: bool) -> Color32 {
    let (d, l) = match s {
        OpStatus::Succeeded => (
            Color32::from_rgb(110, 200, 120),
            Color32::from_rgb(30, 130, 50),
        ),
        OpStatus::Failed | OpStatus::TimedOut => (
            Color32::from_rgb(240, 110, 100),
            Color32::from_rgb(190, 40, 30),
        ),
        OpStatus::Started | OpStatus::Ready => (
            Color32::from_rgb(120, 170, 240),
            Color32::from_rgb(30, 90, 190),
        ),
        OpStatus::Pending => (
            Color32::from_rgb(230, 190, 90),
            // Dark enough for WCAG AA (4.5:1) on the light panel.
            Color32::from_rgb(130, 88, 0),
        ),
        OpStatus::Cancelled | OpStatus::Stopped => (
            Color32::from_rgb(170, 170, 170),
            Color32::from_rgb(100, 100, 100),
        ),
    };
    if dark {
        d
    } else {
        l
    }
}

/// Text for an operation's role in the selected invocation.
pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::Replayed => "↺ replayed",
        Role::Executed => "▶ executed",
        Role::NotReached => "· not reached",
    }
}

/// The accent used for the replay | execution switch marker.
pub fn switch_color(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(255, 170, 60)
    } else {
        Color32::from_rgb(200, 100, 0)
    }
}

/// Text of replayed and not-reached rows: quieter than the rest, yet at
/// least WCAG AA (4.5:1) against the panel, the table's stripes and the
/// window (egui's own weak text is about 3:1 in the light theme; a test
/// computes the ratios).
pub fn muted(visuals: &Visuals) -> Color32 {
    // Opaque greys: egui's weak text is translucent, so its contrast
    // depends on what is under it.
    if visuals.dark_mode {
        Color32::from_gray(150)
    } else {
        Color32::from_gray(96)
    }
}

/// A status colour on a muted row: faded in the dark theme; in the light
/// theme fading would drop it below AA, so it keeps its colour and the
/// row's muted text carries the difference.
pub fn muted_status(c: Color32, dark: bool) -> Color32 {
    if dark {
        c.gamma_multiply(0.6)
    } else {
        c
    }
}

/// Fill for time-view spans by operation type (shape and label also differ).
pub fn type_fill(t: crate::model::OpType, dark: bool) -> Color32 {
    use crate::model::OpType::*;
    let c = match t {
        Step => Color32::from_rgb(70, 130, 200),
        Wait => Color32::from_rgb(150, 150, 150),
        Callback => Color32::from_rgb(160, 110, 200),
        ChainedInvoke => Color32::from_rgb(60, 160, 150),
        Context => Color32::from_rgb(120, 120, 170),
        Execution => Color32::from_rgb(100, 100, 100),
    };
    if dark {
        c
    } else {
        c.gamma_multiply(0.85)
    }
}

/// Compact spacing for a debugger feel; applied once at start and on theme change.
pub fn apply(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.all_styles_mut(|s| {
        s.spacing.item_spacing = egui::vec2(6.0, 3.0);
        s.spacing.button_padding = egui::vec2(5.0, 1.0);
        s.spacing.interact_size.y = 18.0;
    });
}
