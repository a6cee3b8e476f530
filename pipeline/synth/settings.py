"""Tunable numbers of the synthetic returns (handwriting, paper, scanner and phone models), with units.

Only the tool that makes synthetic returns (demo, `samples fill`, benches, tests) reads these;
what the product's reading path uses stays in pipeline/defs.py.
"""

# Font hands and the page raster they write on (pipeline/synth/handwriting.py, returns.py)
SYNTH_PX_PER_MM = 8.0  # px/mm at which issued pages are rasterised and written on (~203 dpi)
HANDWRITING_FONT_FILES = ("ukai.ttc", "simkai.ttf", "STKaiti.ttc", "Kaiti.ttc")  # kaiti looks handwritten
HAND_GLYPH_HEIGHT = (3.6, 5.2)  # mm, range of a writer's nominal CJK glyph size
HAND_DIGIT_HEIGHT = (0.62, 0.8)  # fraction of a comb cell's height a writer's digits fill
HAND_SLANT = 8.0  # degrees, largest writer slant either way (shear of every glyph)
HAND_ANGLE_JITTER = (2.0, 6.0)  # degrees, range of a writer's per-glyph rotation jitter
HAND_SIZE_JITTER = (0.04, 0.12)  # fraction of glyph size, range of per-glyph size jitter
HAND_BASELINE_JITTER = (0.03, 0.09)  # fraction of glyph size, range of per-glyph baseline jitter
HAND_SPACING = (0.92, 1.12)  # advance as a multiple of glyph size, range of a writer's spacing
HAND_STROKE = (0.0, 0.17)  # mm added to the font's stroke width (dilate; negative erodes)
HAND_PEN = (0.3, 0.5)  # mm, pen width for ticks, crosses, scribbles and signatures
HAND_INK_GREY = (10, 70)  # grey level of ink on a 0..255 page (0 = black)
HAND_MARGIN = 0.6  # mm kept clear inside a box's printed frame

# Synthetic hands and paper (pipeline/synth/strokes.py, handwriting.py, scanner.py): writing
# that is not a font, pencil, duplex show-through, folds. Ranges are what a school office's
# stacks show (issue 12): pencil reads 100-160 grey on a grey scan, show-through of a duplex
# back is a faint mirrored ghost, folds leave a shadowed crease.
STROKE_TRACE_EM_PX = 96  # px to the em at which a font's outline is thinned to its centre line
STROKE_SPUR_EM = 0.04  # em; centre-line pieces shorter than this are thinning spurs, not strokes
STROKE_STEP_EM = 0.02  # em between the points a pen stroke is redrawn through
STROKE_SUPERSAMPLE = 4  # a stroke glyph is drawn this many times larger, then averaged down
STROKE_JOIN_EM = 0.35  # em; the next stroke starts this close or closer for a hurried pen to stay down
STROKE_SKELETON_FONTS = ("wqy-zenhei.ttc", "uming.ttc")  # outlines with even or thin strokes thin to clean centre lines (a brush kaiti does not)
STROKE_PEN_MM = (0.3, 0.5)  # mm, range of a stroke writer's pen width
STROKE_WOBBLE = (0.01, 0.035)  # em, range of a writer's slow wander off the centre line
STROKE_MISPLACE = (0.005, 0.02)  # em, range of the sd of where a writer's whole strokes land
STROKE_PRESSURE = (0.2, 1.0)  # range of how much a writer's stroke width swells and thins
STROKE_JOINING = (0.0, 0.5)  # range of a writer's chance of joining nearby strokes
PENCIL_GREY = (80, 140)  # grey level of an HB graphite line on a grey scan (never black)
PENCIL_GRAIN_PX = 0.8  # px, sd of the blur that makes the paper's tooth from white noise
PENCIL_BREAK = (0.15, 0.35)  # range of the share of a pencil stroke the paper's tooth leaves white
HAND_WRITERS = 40  # distinct writers in a stack drawn from a writer pool (issue 12: 40 writers)
SHOW_THROUGH_BLUR_MM = 0.35  # mm, how far the back's ink spreads through 80 g/m² paper
SHOW_THROUGH_CONTRAST = (0.06, 0.16)  # share of the back's ink darkness seen through the sheet
FOLD_SHADOW = (0.12, 0.3)  # darkest share of the paper level lost in a crease's shadow
FOLD_WIDTH_MM = (0.4, 1.2)  # mm, sd of a crease shadow's width
FOLD_WARP_MM = (0.15, 0.5)  # mm the sheet is pushed along the page next to a crease

# Scanner model (pipeline/synth/scanner.py): 1-bit and colour copies, synthetic copier PDFs
SCAN_BW_THRESHOLD = (150, 185)  # grey level range below which a 1-bit copier scan prints black
SCAN_PAPER_TINT = (247, 245, 238)  # RGB of white paper in a colour scan
SCAN_MARKER_KEEP = 3.0  # mm, a scanned marker stays at least this far inside the image edge
SCAN_PDF_JPEG_QUALITY = 90  # JPEG quality of gray/colour pages inside a synthetic copier PDF
# Scanner profiles: ranges each page's settings are drawn from (issue: skew <= 5 deg, print
# scale 94-100 %, shift of several mm, 180 deg pages, slight perspective, 200/300 dpi).
SCAN_PROFILES = {
    "clean": {
        "rotation": 0.5, "scale": (0.99, 1.0), "shift": 1.0, "perspective": 0.0, "blur": (0.3, 0.6),
        "noise": (1.0, 3.0), "jpeg": (88, 95), "upside_down": 0.0, "dpi": (300, 200),
        "modes": {"gray": 0.7, "colour": 0.3},
    },
    "office": {
        "rotation": 2.0, "scale": (0.96, 1.0), "shift": 4.0, "perspective": 0.6, "blur": (0.4, 1.0),
        "noise": (2.0, 6.0), "jpeg": (70, 90), "upside_down": 0.05, "dpi": (200, 300),
        "modes": {"gray": 0.4, "colour": 0.3, "bw": 0.3},
    },
    "harsh": {
        "rotation": 5.0, "scale": (0.94, 1.0), "shift": 6.0, "perspective": 2.0, "blur": (0.8, 1.6),
        "noise": (5.0, 12.0), "jpeg": (45, 75), "upside_down": 0.15, "dpi": (200, 300),
        "modes": {"gray": 0.3, "colour": 0.2, "bw": 0.5},
    },
}
# Profiles of the hard stack (bench/ingest.py --preset hard): 1-bit copies at 200 dpi beside
# grey ones, half the sheets folded, most duplex sheets showing their back; "lowres": grey and
# colour at 150 and 100 dpi, as copiers' "scan to e-mail" settings send them; "duplex": grey
# 200 dpi scans where every sheet shows its back.
SCAN_PAPER_PROFILES = {
    "hard": {
        "rotation": 3.0, "scale": (0.95, 1.0), "shift": 4.0, "perspective": 1.0, "blur": (0.5, 1.2),
        "noise": (3.0, 8.0), "jpeg": (60, 85), "upside_down": 0.05, "dpi": (200,),
        "modes": {"gray": 0.5, "bw": 0.5}, "show_through": 0.7, "folds": 0.5,
    },
    "lowres": {
        "rotation": 2.0, "scale": (0.96, 1.0), "shift": 4.0, "perspective": 0.6, "blur": (0.4, 1.0),
        "noise": (2.0, 6.0), "jpeg": (60, 85), "upside_down": 0.05, "dpi": (150, 100),
        "modes": {"gray": 0.5, "colour": 0.5}, "show_through": 0.3, "folds": 0.2,
    },
    "duplex": {
        "rotation": 1.0, "scale": (0.98, 1.0), "shift": 2.0, "perspective": 0.3, "blur": (0.4, 0.8),
        "noise": (2.0, 4.0), "jpeg": (80, 92), "upside_down": 0.0, "dpi": (200,),
        "modes": {"gray": 1.0}, "show_through": 1.0, "folds": 0.5,
    },
}

# Phone photos in the synthetic returns (pipeline/synth/photo.py). Ranges of what a teacher's
# hand-held phone does, from issue 17's account (12 MP JPEGs of a sheet on a desk, taken a
# little from the side, uneven light, the phone's shadow, a slightly curved sheet) and common
# phone cameras (26 mm-equivalent main lens, 4:3 sensor).
PHOTO_FRAME = (3000, 4000)  # px, (width, height) of the upright 12 MP picture (phone held upright)
PHOTO_FOCAL = 0.72  # focal length as a share of the frame's long side (26 mm equivalent on a 36 mm frame)
PHOTO_FILL = (0.40, 0.90)  # share of the frame's area the sheet covers
PHOTO_MARGIN = 0.01  # least share of the frame's width/height between the sheet and the frame edge
PHOTO_TILT = (3.0, 28.0)  # degrees the phone leans from straight above (hand-held: up to ~25-30)
PHOTO_TURN = 12.0  # degrees, at most, the sheet lies turned on the desk against the frame
PHOTO_BEND_MM = (0.0, 6.0)  # mm the long edges of a sheet taken from a pile rise off the desk
PHOTO_BEND_ITERATIONS = 4  # fixed-point steps solving the bent sheet's map (each ~10x smaller error)
PHOTO_LIGHT_DEPTH = (0.05, 0.35)  # share of light lost from the bright to the dark side of the frame
PHOTO_VIGNETTE = 0.08  # share of light lost in the frame's corners (lens falloff)
PHOTO_SHADOW_SHARE = 0.6  # share of photos crossed by the phone's (or hand's) shadow
PHOTO_SHADOW_DARKNESS = (0.2, 0.5)  # share of light the shadow band takes
PHOTO_SHADOW_SOFTNESS = 0.03  # width of the shadow's soft edge, share of the frame diagonal's half
PHOTO_BLUR = (0.4, 1.4)  # px, Gaussian sigma of defocus at 12 MP
PHOTO_MOTION_PX = (0.0, 4.0)  # px of hand shake during the exposure
PHOTO_NOISE = (1.5, 4.0)  # grey levels, sd of sensor noise after the phone's denoising
PHOTO_QUALITY = (80, 92)  # JPEG/HEIC quality phones and WeChat's "original image" keep
PHOTO_HEIC_SHARE = 0.25  # share of camera-named photos (IMG_…) an iPhone stores as HEIC
PHOTO_ORIENTATIONS = {1: 0.45, 6: 0.4, 8: 0.1, 3: 0.05}  # EXIF orientation tag → share (6: sensor held upright)
PHOTO_PAPER_TINT = (250, 246, 236)  # RGB of white paper under indoor light
PHOTO_CAMERA = ("Xiaomi", "Redmi Note 12")  # EXIF make and model written
PHOTO_FIRST_TIME_MS = 1_762_300_000_000  # ms since 1970 of the first photo's name (Nov 2025)
PHOTO_SCREENSHOT = (1080, 2340)  # px, a phone screenshot of the chat the photos came in
