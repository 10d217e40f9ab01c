//! The time view as a PNG: the SVG document (`svg`) rasterised by resvg,
//! with the fonts the app draws with (egui's bundled Ubuntu Light, Noto
//! Emoji and its icon font), so the picture does not depend on the fonts
//! a machine has installed and matches the SVG element for element.

use resvg::{tiny_skia, usvg};
use std::sync::Arc;

/// The largest picture drawn: 64 million pixels (256 MB of RGBA).
pub const MAX_PIXELS: u64 = 64_000_000;

#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the picture is {width}×{height} pixels, more than a PNG is drawn for ({MAX_PIXELS} pixels): write .svg, or pick one invocation with --invocation")]
    TooLarge { width: u32, height: u32 },
    #[error("the SVG we wrote does not parse: {0}")]
    Svg(#[from] usvg::Error),
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
}

fn options() -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    for font in [
        epaint_default_fonts::UBUNTU_LIGHT,
        epaint_default_fonts::NOTO_EMOJI_REGULAR,
        epaint_default_fonts::EMOJI_ICON,
        epaint_default_fonts::HACK_REGULAR,
    ] {
        db.load_font_data(font.to_vec());
    }
    db.set_sans_serif_family("Ubuntu");
    db.set_monospace_family("Hack");
    usvg::Options {
        font_family: "Ubuntu".into(),
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    }
}

/// Rasterise `svg` (one of ours) at its own size, as PNG bytes.
pub fn render(svg: &str) -> Result<Vec<u8>, PngError> {
    let tree = usvg::Tree::from_str(svg, &options())?;
    let size = tree.size().to_int_size();
    let (width, height) = (size.width(), size.height());
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PngError::TooLarge { width, height });
    }
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or(PngError::TooLarge { width, height })?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))
}
