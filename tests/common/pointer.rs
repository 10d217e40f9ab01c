//! Primary-button clicks at a point, the way egui receives them from a
//! window: the pointer moves there for a frame, then presses and releases
//! (twice in one frame for a double click). Shared by the app's kittests.

use durable_lens::ui::app::App;
use egui_kittest::Harness;

/// `n` clicks at `pos` in one frame (2: a double click).
pub fn clicks_at(h: &mut Harness<'static, App>, pos: egui::Pos2, n: usize) {
    h.input_mut().events.push(egui::Event::PointerMoved(pos));
    h.run_steps(1);
    for _ in 0..n {
        for pressed in [true, false] {
            h.input_mut().events.push(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
        }
    }
}

/// One click at `pos`, and the frames that act on it.
pub fn click_at(h: &mut Harness<'static, App>, pos: egui::Pos2) {
    clicks_at(h, pos, 1);
    h.run_steps(2);
}
