use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use proptest::prelude::*;

use super::*;

fn encode_as(img: &RgbaImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let dynamic = if format == ImageFormat::Jpeg {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(img.clone()).to_rgb8())
    } else {
        DynamicImage::ImageRgba8(img.clone())
    };
    dynamic.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn solid(w: u32, h: u32, c: [u8; 4]) -> RgbaImage {
    RgbaImage::from_pixel(w, h, Rgba(c))
}

/// Left half red, right half blue.
fn halves(w: u32, h: u32) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 0, 255, 255])
        }
    })
}

/// Top half red, bottom half blue.
fn stripes(w: u32, h: u32) -> RgbaImage {
    RgbaImage::from_fn(w, h, |_, y| {
        if y < h / 2 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 0, 255, 255])
        }
    })
}

fn png(img: &RgbaImage) -> Vec<u8> {
    encode_as(img, ImageFormat::Png)
}

fn run(input: &[u8], opts: &Options) -> Result<Rendered, PreviewError> {
    render(input, "image/png", opts, &Limits::default())
}

fn run_ok(input: &[u8], opts: &Options) -> RgbaImage {
    let r = run(input, opts).unwrap();
    image::load_from_memory(&r.bytes).unwrap().to_rgba8()
}

fn out(o: Output) -> Options {
    Options {
        output: Some(o),
        ..Options::default()
    }
}

fn close(a: [u8; 4], b: [u8; 4], tol: u8) -> bool {
    a.iter().zip(b.iter()).all(|(x, y)| x.abs_diff(*y) <= tol)
}

// ---------- parameters ----------

#[test]
fn validate_uses_appwrite_ranges() {
    let ok = Options {
        width: 4000,
        height: 4000,
        quality: Some(100),
        border_width: 100,
        border_radius: 4000,
        opacity: Some(0.0),
        rotation: -360,
        ..Options::default()
    };
    assert_eq!(ok.validate(), Ok(()));
    let bad = [
        Options {
            width: 4001,
            ..Options::default()
        },
        Options {
            height: 4001,
            ..Options::default()
        },
        Options {
            quality: Some(101),
            ..Options::default()
        },
        Options {
            border_width: 101,
            ..Options::default()
        },
        Options {
            border_radius: 4001,
            ..Options::default()
        },
        Options {
            opacity: Some(1.01),
            ..Options::default()
        },
        Options {
            opacity: Some(-0.1),
            ..Options::default()
        },
        Options {
            opacity: Some(f32::NAN),
            ..Options::default()
        },
        Options {
            rotation: 361,
            ..Options::default()
        },
        Options {
            rotation: -361,
            ..Options::default()
        },
    ];
    for o in bad {
        assert!(
            matches!(o.validate(), Err(PreviewError::InvalidParam(_))),
            "{o:?}"
        );
        assert!(matches!(
            run(&png(&solid(2, 2, [0; 4])), &o),
            Err(PreviewError::InvalidParam(_))
        ));
    }
}

#[test]
fn hex_colors_like_utopia() {
    assert_eq!(parse_hex_color("fff"), Some([255, 255, 255]));
    assert_eq!(parse_hex_color("A0b"), Some([0xaa, 0x00, 0xbb]));
    assert_eq!(parse_hex_color("FF8000"), Some([255, 128, 0]));
    assert_eq!(parse_hex_color("0a0B0c"), Some([10, 11, 12]));
    for bad in [
        "",
        "#fff",
        "#ff0000",
        "ffff",
        "fffff",
        "fffffff",
        "ggg",
        "12345g",
        " fff",
        "ｆｆｆ",
    ] {
        assert_eq!(parse_hex_color(bad), None, "{bad:?}");
    }
}

#[test]
fn enums_parse_appwrite_spellings() {
    for g in Gravity::ALL {
        assert_eq!(g.as_str().parse::<Gravity>(), Ok(g));
    }
    assert!("Center".parse::<Gravity>().is_err());
    assert!("middle".parse::<Gravity>().is_err());
    let names: Vec<&str> = Output::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(names, ["jpg", "jpeg", "png", "webp", "heic", "avif", "gif"]);
    for o in Output::ALL {
        assert_eq!(o.as_str().parse::<Output>(), Ok(o));
    }
    assert!("JPG".parse::<Output>().is_err());
    assert!("bmp".parse::<Output>().is_err());
}

#[test]
fn default_output_follows_appwrite() {
    assert_eq!(Output::default_for("photo.PNG", "image/jpeg"), Output::Png);
    assert_eq!(
        Output::default_for("photo.jpeg", "image/jpeg"),
        Output::Jpeg
    );
    assert_eq!(
        Output::default_for("doc.pdf", "application/pdf"),
        Output::Jpg
    );
    assert_eq!(Output::default_for("noext", "image/webp"), Output::Webp);
    assert_eq!(Output::default_for("noext", "image/bmp"), Output::Jpg);
    assert_eq!(Output::from_mime("image/jpeg"), Some(Output::Jpg));
}

#[test]
fn cache_key_is_normalised() {
    let base = Options {
        width: 100,
        ..Options::default()
    };
    let k = cache_key(&base);
    assert_eq!(k, cache_key(&base.clone()));
    assert_eq!(
        k,
        cache_key(&Options {
            opacity: Some(1.0),
            ..base.clone()
        })
    );
    assert_eq!(
        k,
        cache_key(&Options {
            border_color: Some([1, 2, 3]),
            ..base.clone()
        })
    );
    assert_eq!(
        k,
        cache_key(&Options {
            rotation: 360,
            ..base.clone()
        })
    );
    assert_eq!(
        cache_key(&Options {
            rotation: -90,
            ..base.clone()
        }),
        cache_key(&Options {
            rotation: 270,
            ..base.clone()
        })
    );
    assert_eq!(
        cache_key(&Options {
            output: Some(Output::Jpeg),
            ..base.clone()
        }),
        cache_key(&Options {
            output: Some(Output::Jpg),
            ..base.clone()
        })
    );
    assert_eq!(
        cache_key(&Options {
            border_width: 2,
            ..base.clone()
        }),
        cache_key(&Options {
            border_width: 2,
            border_color: Some([0, 0, 0]),
            ..base.clone()
        })
    );
    for other in [
        Options {
            width: 101,
            ..base.clone()
        },
        Options {
            height: 1,
            ..base.clone()
        },
        Options {
            gravity: Gravity::Top,
            ..base.clone()
        },
        Options {
            quality: Some(50),
            ..base.clone()
        },
        Options {
            opacity: Some(0.5),
            ..base.clone()
        },
        Options {
            background: Some([0, 0, 0]),
            ..base.clone()
        },
        Options {
            output: Some(Output::Png),
            ..base.clone()
        },
    ] {
        assert_ne!(k, cache_key(&other), "{other:?}");
    }
}

// ---------- geometry ----------

#[test]
fn size_follows_aspect_when_one_side_given() {
    let input = png(&halves(200, 100));
    assert_eq!(
        run_ok(
            &input,
            &Options {
                width: 50,
                ..out(Output::Png)
            }
        )
        .dimensions(),
        (50, 25)
    );
    assert_eq!(
        run_ok(
            &input,
            &Options {
                height: 50,
                ..out(Output::Png)
            }
        )
        .dimensions(),
        (100, 50)
    );
    // Upscaling, as ImageMagick's cropThumbnailImage.
    assert_eq!(
        run_ok(
            &input,
            &Options {
                width: 400,
                ..out(Output::Png)
            }
        )
        .dimensions(),
        (400, 200)
    );
    // Nothing asked: untouched.
    assert_eq!(run_ok(&input, &out(Output::Png)).dimensions(), (200, 100));
    // A thin image never collapses to zero pixels.
    let thin = png(&solid(100, 1, [1, 2, 3, 255]));
    assert_eq!(
        run_ok(
            &thin,
            &Options {
                height: 0,
                width: 10,
                ..out(Output::Png)
            }
        )
        .dimensions(),
        (10, 1)
    );
}

#[test]
fn both_sides_crop_exactly_for_every_gravity() {
    let input = png(&halves(200, 100));
    for g in Gravity::ALL {
        for (w, h) in [(40, 40), (100, 20), (10, 90), (300, 300)] {
            let img = run_ok(
                &input,
                &Options {
                    width: w,
                    height: h,
                    gravity: g,
                    ..out(Output::Png)
                },
            );
            assert_eq!(img.dimensions(), (w, h), "{g} {w}x{h}");
        }
    }
    // Gravity alone (no size) keeps the size.
    let img = run_ok(
        &input,
        &Options {
            gravity: Gravity::Left,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.dimensions(), (200, 100));
}

#[test]
fn gravity_picks_the_side() {
    let wide = png(&halves(200, 100));
    let red = [255, 0, 0, 255];
    let blue = [0, 0, 255, 255];
    for (g, expect) in [
        (Gravity::Left, red),
        (Gravity::TopLeft, red),
        (Gravity::BottomLeft, red),
        (Gravity::Right, blue),
        (Gravity::TopRight, blue),
        (Gravity::BottomRight, blue),
    ] {
        let img = run_ok(
            &wide,
            &Options {
                width: 50,
                height: 50,
                gravity: g,
                ..out(Output::Png)
            },
        );
        // The kept half meets the other colour at one edge, where the filter blends them.
        for (x, _, p) in img
            .enumerate_pixels()
            .filter(|(x, _, _)| (4..46).contains(x))
        {
            assert!(close(p.0, expect, 2), "{g} x={x}: {:?}", p.0);
        }
    }
    // Centre (and top/bottom) on a wide image keep the middle: both colours, split at x=25.
    for g in [Gravity::Center, Gravity::Top, Gravity::Bottom] {
        let img = run_ok(
            &wide,
            &Options {
                width: 50,
                height: 50,
                gravity: g,
                ..out(Output::Png)
            },
        );
        assert!(close(img.get_pixel(2, 25).0, red, 2), "{g}");
        assert!(close(img.get_pixel(47, 25).0, blue, 2), "{g}");
    }
    let tall = png(&stripes(100, 200));
    for (g, expect) in [
        (Gravity::Top, red),
        (Gravity::TopRight, red),
        (Gravity::Bottom, blue),
        (Gravity::BottomLeft, blue),
    ] {
        let img = run_ok(
            &tall,
            &Options {
                width: 50,
                height: 50,
                gravity: g,
                ..out(Output::Png)
            },
        );
        for (_, _, p) in img
            .enumerate_pixels()
            .filter(|(_, y, _)| (4..46).contains(y))
        {
            assert!(close(p.0, expect, 2), "{g}: {:?}", p.0);
        }
    }
}

// ---------- effects ----------

#[test]
fn border_adds_frame_of_colour() {
    let input = png(&solid(20, 10, [0, 255, 0, 255]));
    let opts = Options {
        border_width: 5,
        border_color: parse_hex_color("ff0000"),
        ..out(Output::Png)
    };
    let img = run_ok(&input, &opts);
    assert_eq!(img.dimensions(), (30, 20));
    for (x, y) in [(0, 0), (29, 19), (4, 10), (15, 4), (25, 10), (15, 15)] {
        assert_eq!(img.get_pixel(x, y).0, [255, 0, 0, 255], "({x},{y})");
    }
    assert_eq!(img.get_pixel(5, 5).0, [0, 255, 0, 255]);
    assert_eq!(img.get_pixel(24, 14).0, [0, 255, 0, 255]);
    // Default colour is black.
    let img = run_ok(
        &input,
        &Options {
            border_width: 1,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0, 255]);
    // appwrite-compat: transparent pixels take the border colour.
    let clear = png(&solid(4, 4, [0, 0, 0, 0]));
    let img = run_ok(&clear, &opts);
    assert_eq!(img.get_pixel(4, 4).0, [255, 0, 0, 255]);
}

#[test]
fn radius_makes_corners_transparent() {
    let input = png(&solid(40, 30, [0, 128, 255, 255]));
    let img = run_ok(
        &input,
        &Options {
            border_radius: 10,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.dimensions(), (40, 30));
    for (x, y) in [(0, 0), (39, 0), (0, 29), (39, 29), (1, 1)] {
        assert_eq!(img.get_pixel(x, y).0[3], 0, "({x},{y})");
    }
    for (x, y) in [(20, 15), (20, 0), (0, 15), (10, 10)] {
        assert_eq!(img.get_pixel(x, y).0, [0, 128, 255, 255], "({x},{y})");
    }
    // WebP keeps the transparency too.
    let img = run_ok(
        &input,
        &Options {
            border_radius: 10,
            ..out(Output::Webp)
        },
    );
    assert!(img.get_pixel(0, 0).0[3] < 10);
    // JPEG: corners take the background colour, or white.
    let img = run_ok(
        &input,
        &Options {
            border_radius: 10,
            background: parse_hex_color("ff0000"),
            ..out(Output::Jpg)
        },
    );
    assert!(
        close(img.get_pixel(0, 0).0, [255, 0, 0, 255], 40),
        "{:?}",
        img.get_pixel(0, 0)
    );
    let img = run_ok(
        &input,
        &Options {
            border_radius: 10,
            ..out(Output::Jpg)
        },
    );
    assert!(
        close(img.get_pixel(0, 0).0, [255, 255, 255, 255], 40),
        "{:?}",
        img.get_pixel(0, 0)
    );
    // A huge radius is clamped to a pill / circle.
    let img = run_ok(
        &input,
        &Options {
            border_radius: 4000,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.get_pixel(20, 15).0[3], 255);
    assert_eq!(img.get_pixel(3, 3).0[3], 0);
}

#[test]
fn radius_with_border_keeps_size_and_rings_the_picture() {
    let input = png(&solid(40, 40, [0, 255, 0, 255]));
    let opts = Options {
        border_width: 4,
        border_color: parse_hex_color("00f"),
        border_radius: 8,
        ..out(Output::Png)
    };
    let img = run_ok(&input, &opts);
    // appwrite-compat: utopia-php/image keeps the cropped size when a radius follows a border.
    assert_eq!(img.dimensions(), (40, 40));
    assert_eq!(img.get_pixel(0, 0).0[3], 0);
    assert_eq!(img.get_pixel(20, 0).0[3], 0); // outside the stroke (inset by half the border)
    assert_eq!(img.get_pixel(20, 2).0, [0, 0, 255, 255]); // the stroke
    assert_eq!(img.get_pixel(20, 20).0, [0, 255, 0, 255]); // the picture
}

#[test]
fn rotation_turns_clockwise_and_swaps_sides() {
    let input = png(&halves(30, 10)); // red left, blue right
    for r in [90, -270] {
        let img = run_ok(
            &input,
            &Options {
                rotation: r,
                ..out(Output::Png)
            },
        );
        assert_eq!(img.dimensions(), (10, 30), "{r}");
        // Clockwise: the left (red) edge ends on top.
        assert_eq!(img.get_pixel(5, 0).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(5, 29).0, [0, 0, 255, 255]);
    }
    let img = run_ok(
        &input,
        &Options {
            rotation: -90,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.dimensions(), (10, 30));
    assert_eq!(img.get_pixel(5, 0).0, [0, 0, 255, 255]);
    let img = run_ok(
        &input,
        &Options {
            rotation: 180,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.get_pixel(0, 5).0, [0, 0, 255, 255]);
    for r in [360, -360, 0] {
        let img = run_ok(
            &input,
            &Options {
                rotation: r,
                ..out(Output::Png)
            },
        );
        assert_eq!(img.get_pixel(0, 5).0, [255, 0, 0, 255], "{r}");
    }
    // Free angles grow the canvas; the new corners are transparent.
    let square = png(&solid(20, 20, [9, 9, 9, 255]));
    let img = run_ok(
        &square,
        &Options {
            rotation: 45,
            ..out(Output::Png)
        },
    );
    assert_eq!(img.dimensions(), (29, 29));
    assert_eq!(img.get_pixel(0, 0).0[3], 0);
    assert_eq!(img.get_pixel(14, 14).0, [9, 9, 9, 255]);
}

#[test]
fn free_rotation_agrees_with_right_angles() {
    let img = halves(6, 4);
    let limits = Limits::default();
    let exact = effects::rotate(&img, 90, &limits).unwrap();
    let free = effects::rotate_any(&img, 90.0, &limits).unwrap();
    assert_eq!(exact.dimensions(), free.dimensions());
    for (a, b) in exact.pixels().zip(free.pixels()) {
        assert!(close(a.0, b.0, 1), "{:?} {:?}", a.0, b.0);
    }
}

#[test]
fn opacity_scales_alpha() {
    let input = png(&solid(8, 8, [200, 100, 50, 255]));
    let img = run_ok(
        &input,
        &Options {
            opacity: Some(0.5),
            ..out(Output::Png)
        },
    );
    assert_eq!(img.get_pixel(3, 3).0, [200, 100, 50, 128]);
    let img = run_ok(
        &input,
        &Options {
            opacity: Some(0.0),
            ..out(Output::Png)
        },
    );
    assert_eq!(img.get_pixel(3, 3).0[3], 0);
    // appwrite-compat: no visible effect on JPEG without a background ...
    let img = run_ok(
        &input,
        &Options {
            opacity: Some(0.0),
            ..out(Output::Jpg)
        },
    );
    assert!(close(img.get_pixel(3, 3).0, [200, 100, 50, 255], 6));
    // ... but blended with one.
    let img = run_ok(
        &input,
        &Options {
            opacity: Some(0.0),
            background: Some([0, 0, 0]),
            ..out(Output::Jpg)
        },
    );
    assert!(close(img.get_pixel(3, 3).0, [0, 0, 0, 255], 6));
}

#[test]
fn background_fills_transparency() {
    let mut src = solid(8, 8, [0, 0, 0, 0]);
    src.put_pixel(0, 0, Rgba([10, 20, 30, 255]));
    let img = run_ok(
        &png(&src),
        &Options {
            background: parse_hex_color("eceff1"),
            ..out(Output::Png)
        },
    );
    assert_eq!(img.get_pixel(4, 4).0, [0xec, 0xef, 0xf1, 255]);
    assert_eq!(img.get_pixel(0, 0).0, [10, 20, 30, 255]);
}

// ---------- formats ----------

#[test]
fn every_supported_output_decodes_back() {
    let input = png(&halves(32, 16));
    for o in Output::ALL {
        let opts = Options {
            width: 16,
            ..out(o)
        };
        if !o.is_supported() {
            assert_eq!(run(&input, &opts), Err(PreviewError::UnsupportedOutput(o)));
            continue;
        }
        let r = run(&input, &opts).unwrap();
        assert_eq!(r.mime, o.mime());
        if o == Output::Avif {
            // No AVIF decoder in this build: check the container.
            assert_eq!(r.bytes.get(4..12), Some(&b"ftypavif"[..]), "{o}");
            continue;
        }
        let fmt = image::guess_format(&r.bytes).unwrap();
        assert_eq!(Some(fmt), ImageFormat::from_mime_type(o.mime()), "{o}");
        let back = image::load_from_memory(&r.bytes).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (16, 8), "{o}");
        let tol = if matches!(o, Output::Png | Output::Gif) {
            0
        } else {
            40
        };
        assert!(
            close(back.get_pixel(1, 4).0, [255, 0, 0, 255], tol),
            "{o} {:?}",
            back.get_pixel(1, 4)
        );
        assert!(
            close(back.get_pixel(14, 4).0, [0, 0, 255, 255], tol),
            "{o} {:?}",
            back.get_pixel(14, 4)
        );
    }
}

#[test]
fn every_input_format_decodes_and_default_output_follows_mime() {
    let src = halves(8, 8);
    for (fmt, mime) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Gif, "image/gif"),
        (ImageFormat::WebP, "image/webp"),
    ] {
        let input = encode_as(&src, fmt);
        let r = render(&input, mime, &Options::default(), &Limits::default()).unwrap();
        assert_eq!(r.mime, mime);
        assert_eq!(image::guess_format(&r.bytes).unwrap(), fmt);
    }
    // Unknown mime: jpg.
    let r = render(
        &png(&src),
        "application/octet-stream",
        &Options::default(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(r.mime, "image/jpeg");
}

#[test]
fn quality_changes_lossy_size() {
    let noisy = RgbaImage::from_fn(64, 64, |x, y| {
        let v = u8::try_from((x * 7919 + y * 104_729) % 251).unwrap();
        Rgba([v, v.wrapping_mul(3), v.wrapping_mul(7), 255])
    });
    let input = png(&noisy);
    for o in [Output::Jpg, Output::Webp] {
        let lo = run(
            &input,
            &Options {
                quality: Some(10),
                ..out(o)
            },
        )
        .unwrap()
        .bytes
        .len();
        let hi = run(
            &input,
            &Options {
                quality: Some(95),
                ..out(o)
            },
        )
        .unwrap()
        .bytes
        .len();
        assert!(lo < hi, "{o}: {lo} !< {hi}");
    }
    // PNG stays lossless at any quality.
    for q in [0, 50, 100] {
        let img = run_ok(
            &input,
            &Options {
                quality: Some(q),
                ..out(Output::Png)
            },
        );
        assert_eq!(img, noisy);
    }
}

#[test]
fn jpeg_quality_is_estimated_from_the_input() {
    let img = halves(16, 16);
    for q in [30u8, 50, 75, 90, 100] {
        let mut buf = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, q)
            .encode_image(&DynamicImage::ImageRgba8(img.clone()).to_rgb8())
            .unwrap();
        let est = decode::jpeg_quality(&buf).unwrap();
        assert!(est.abs_diff(q) <= 3, "{q} -> {est}");
    }
    assert_eq!(decode::jpeg_quality(b"\xff\xd8\xff"), None);
    assert_eq!(decode::jpeg_quality(b"not a jpeg"), None);
}

// ---------- EXIF ----------

/// A JPEG with an APP1 EXIF segment carrying `orientation`.
fn jpeg_with_orientation(img: &RgbaImage, orientation: u8) -> Vec<u8> {
    let plain = encode_as(img, ImageFormat::Jpeg);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a\x00\x00\x00\x08"); // big endian, IFD at 8
    tiff.extend_from_slice(&[0x00, 0x01]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]); // Orientation, SHORT, 1
    tiff.extend_from_slice(&[0x00, orientation, 0x00, 0x00]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend_from_slice(&tiff);
    let len = u16::try_from(payload.len() + 2).unwrap();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

#[test]
fn exif_orientation_is_applied_before_cropping() {
    let src = halves(40, 20); // red left, blue right
    let opts = out(Output::Png);
    let upright = run_ok(&jpeg_with_orientation(&src, 1), &opts);
    assert_eq!(upright.dimensions(), (40, 20));
    let turned = run_ok(&jpeg_with_orientation(&src, 6), &opts);
    assert_eq!(turned.dimensions(), (20, 40));
    assert!(
        close(turned.get_pixel(10, 2).0, [255, 0, 0, 255], 40),
        "{:?}",
        turned.get_pixel(10, 2)
    );
    let turned = run_ok(&jpeg_with_orientation(&src, 8), &opts);
    assert!(close(turned.get_pixel(10, 2).0, [0, 0, 255, 255], 40));
    let flipped = run_ok(&jpeg_with_orientation(&src, 3), &opts);
    assert!(close(flipped.get_pixel(2, 10).0, [0, 0, 255, 255], 40));
    // The requested width is the upright width.
    let sized = run_ok(
        &jpeg_with_orientation(&src, 6),
        &Options { width: 10, ..opts },
    );
    assert_eq!(sized.dimensions(), (10, 20));
}

// ---------- hostile input ----------

#[test]
fn garbage_is_rejected() {
    let limits = Limits::default();
    for input in [&b""[..], b"hello world", b"%PDF-1.4 ...", &[0u8; 100]] {
        assert_eq!(
            render(input, "image/png", &Options::default(), &limits),
            Err(PreviewError::UnsupportedInput)
        );
    }
    // A known signature with a broken body.
    let mut truncated = png(&halves(16, 16));
    truncated.truncate(40);
    assert!(matches!(
        render(&truncated, "image/png", &Options::default(), &limits),
        Err(PreviewError::Decode(_) | PreviewError::UnsupportedInput)
    ));
    let mut broken = encode_as(&halves(16, 16), ImageFormat::Jpeg);
    broken.truncate(broken.len() / 3);
    let r = render(&broken, "image/jpeg", &Options::default(), &limits);
    assert!(
        r.is_ok() || matches!(r, Err(PreviewError::Decode(_))),
        "{r:?}"
    );
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header declares `w`×`h` pixels, followed by a tiny IDAT.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], body: &[u8]| {
        out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(body);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn decompression_bombs_are_refused_before_allocating() {
    let limits = Limits::default();
    for (w, h) in [
        (100_000, 100_000),
        (12_001, 10),
        (10, 12_001),
        (u32::MAX / 2, 1),
    ] {
        let bomb = png_header(w, h);
        let r = render(&bomb, "image/png", &Options::default(), &limits);
        assert!(
            matches!(r, Err(PreviewError::TooLarge | PreviewError::Decode(_))),
            "{w}x{h}: {r:?}"
        );
    }
    // Within the dimensions but over the memory budget.
    let bomb = png_header(11_000, 11_000); // 484 MB of RGBA, twice
    assert_eq!(
        render(&bomb, "image/png", &Options::default(), &limits),
        Err(PreviewError::TooLarge)
    );
    // A GIF whose screen is 65535×65535.
    let mut gif = b"GIF89a\xff\xff\xff\xff\x00\x00\x00".to_vec();
    gif.extend_from_slice(b"\x2c\x00\x00\x00\x00\xff\xff\xff\xff\x00\x02\x02\x44\x01\x00\x3b");
    let r = render(&gif, "image/gif", &Options::default(), &limits);
    assert!(
        matches!(r, Err(PreviewError::TooLarge | PreviewError::Decode(_))),
        "{r:?}"
    );
}

#[test]
fn limits_are_enforced() {
    let input = png(&solid(64, 64, [1, 2, 3, 255]));
    let small = Limits {
        max_input_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(
        render(&input, "image/png", &Options::default(), &small),
        Err(PreviewError::TooLarge)
    );
    let narrow = Limits {
        max_width: 32,
        ..Limits::default()
    };
    assert_eq!(
        render(&input, "image/png", &Options::default(), &narrow),
        Err(PreviewError::TooLarge)
    );
    let tight = Limits {
        max_alloc: 20_000,
        ..Limits::default()
    };
    assert_eq!(
        render(&input, "image/png", &Options::default(), &tight),
        Err(PreviewError::TooLarge)
    );
    let no_avif = Limits {
        max_avif_pixels: 100,
        ..Limits::default()
    };
    let expect = if cfg!(feature = "avif") {
        PreviewError::TooLarge
    } else {
        PreviewError::UnsupportedOutput(Output::Avif)
    };
    assert_eq!(
        render(&input, "image/png", &out(Output::Avif), &no_avif),
        Err(expect)
    );
}

// ---------- never panic ----------

const SIGNATURES: [&[u8]; 6] = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"RIFF\x00\x00\x00\x00WEBPVP8L",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(sig in 0usize..SIGNATURES.len(), tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut input = SIGNATURES[sig].to_vec();
        input.extend_from_slice(&tail);
        let limits = Limits { max_width: 256, max_height: 256, max_alloc: 4 << 20, ..Limits::default() };
        let _ = render(&input, "image/png", &out(Output::Png), &limits);
    }

    #[test]
    fn corrupted_images_never_panic(fmt in 0usize..4, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let format = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::WebP][fmt];
        let mut input = encode_as(&halves(12, 9), format);
        for (at, v) in flips {
            let len = input.len();
            input[at % len] = v;
        }
        let limits = Limits { max_width: 512, max_height: 512, max_alloc: 8 << 20, ..Limits::default() };
        let _ = render(&input, "image/png", &out(Output::Png), &limits);
    }

    #[test]
    fn random_options_never_panic(
        w in 0u32..48, h in 0u32..48, g in 0usize..9, bw in 0u32..12, br in 0u32..60,
        op in 0.0f32..=1.0, rot in -360i32..=360, bg in proptest::option::of(any::<[u8; 3]>()),
        o in prop_oneof![Just(Output::Png), Just(Output::Jpg), Just(Output::Gif), Just(Output::Webp)],
        q in proptest::option::of(0u8..=100), sw in 1u32..24, sh in 1u32..24,
    ) {
        let opts = Options {
            width: w, height: h, gravity: Gravity::ALL[g], quality: q, border_width: bw,
            border_color: Some([1, 2, 3]), border_radius: br, opacity: Some(op), rotation: rot,
            background: bg, output: Some(o),
        };
        let r = run(&png(&halves(sw, sh)), &opts).unwrap();
        let back = image::load_from_memory(&r.bytes).unwrap();
        prop_assert!(back.width() > 0 && back.height() > 0);
    }
}

#[test]
fn placeholder_is_a_tile_of_the_requested_size() {
    let limits = Limits::default();
    let r = placeholder(&Options { width: 40, height: 20, ..Options::default() }, &limits).unwrap();
    assert_eq!(r.mime, "image/png");
    let img = image::load_from_memory(&r.bytes).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (40, 20));
    assert_eq!(img.get_pixel(5, 5).0, [0xec, 0xef, 0xf1, 255]);
    let r = placeholder(&Options { width: 30, output: Some(Output::Jpg), ..Options::default() }, &limits).unwrap();
    assert_eq!(r.mime, "image/jpeg");
    assert_eq!(image::load_from_memory(&r.bytes).unwrap().width(), 30);
}
