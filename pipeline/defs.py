"""Tunable numbers in one place, with their units.

Geometry is in millimetres with the origin at the page's top-left corner, as in the layout
JSON contract. Anything a reader derives from the form (cells, option boxes, guide-line
bands) is computed from these values, so changing one here changes print and reader alike.
"""

PRODUCT_TAG = "JF1"  # first element of every QR payload; bump when the payload format changes

# Page furniture
MARKER_SIZE = 8.0  # mm, ArUco marker side (4x4 bits + border = 6 modules of 1.33 mm)
MARKER_INSET = 12.0  # mm from the paper edge to the marker's outer corner (copiers lose ~5 mm)
MARKER_DICTIONARY = "DICT_4X4_50"  # ids 0..3 = top-left, top-right, bottom-right, bottom-left
QR_MODULE = 0.85  # mm per QR module: a 200-dpi copier scan gives ~6.7 px per module
QR_BORDER_MODULES = 2  # quiet zone printed around the symbol (the page margin adds more)
QR_ERROR = "q"  # error-correction level (segno); never below M
FOOTER_Y = 283.0  # mm, baseline of the "表单编号 · 第 x/y 页" footer, between the bottom markers
FOOTER_BOX = (70.0, 279.0, 70.0, 6.0)  # mm, region holding the printed form id (OCR fallback)

# Scan ingest: loading, identifying and registering scanned pages
REGISTERED_PX_PER_MM = 8.0  # px/mm (~203 dpi); a box (x, y, w, h) in mm crops as [y*8:(y+h)*8, x*8:(x+w)*8]
SCAN_RENDER_DPI = 200.0  # dpi a PDF page is rendered at when it is not one embedded image
PDF_REOPEN_PAGES = 16  # pages read from a scan PDF before it is reopened (bounds PDFium's object cache)
SCAN_DPI_RANGE = (100.0, 1200.0)  # dpi; file metadata outside this is ignored and inferred instead
# dpi below which a flat scan's handwriting and empty boxes all go to a person and the page says to
# rescan. Scanners offer 75/100/150/200/300: bench/ingest.py --profile lowres (seed 31; 20 forms,
# 6 at 75 dpi) read 99.8 % of fields right at 150 dpi, 94.5 % at 100 (dates 92 %), 79 % at 75,
# none wrong and `auto`, but below 150 with reasons that blamed folds and pencil.
SCAN_DPI_LOW = 140.0
SCAN_PAGE_SHORT_SIDE = 210.0  # mm, A4 width: infers a scan's dpi from its pixel size
SCAN_STAMP_MAX_CHARS = 40  # visible characters on a scanned page's pictures (扫描全能王's stamp, a date, 第 1 页, a caption); a Word export's page 1 has hundreds
SCAN_SIZE_SLACK = 8.0  # mm a scan may be shorter than the sheet (a scanner's margins) before it is said to be cut off
SCAN_MIN_SIDE_PX = 64  # px; a page image narrower than this cannot be a form (thumbnails, child IFDs)
TIFF_MAX_PAGES = 10_000  # page directories followed when checking that a TIFF is complete
SCAN_DOWNSCALE_ABOVE = 1.25  # scan px per registered px above which a scan is first area-averaged
QR_SEARCH_SIZE = 75.0  # mm, side of the corner square searched for the QR before the whole page
QR_MIN_SEARCH_PX = 21  # px; a view smaller than a QR symbol's 21 modules is not searched (zxing raises on empty views)
QR_DENOISE_KERNEL = 0.5  # mm, median filter applied to a noisy (1-bit) scan before the last QR try
BLANK_WORK_SIDE = 1188  # px, long side blank detection scales every page to (A4 at 4 px/mm), then a 3x3 median
BLANK_EDGE_BAND = 0.1  # share of the width/height: dark bands along an edge this thin are the scanner lid, not ink
BLANK_INK_LEVEL = 128  # grey level (0..255) below which a pixel counts as ink
BLANK_INK_RATIO = 0.0005  # ink fraction of the page below which it is blank (a form page has > 1 %)
MARKER_SEARCH_SIZE = 60.0  # mm, side of the corner squares searched for markers before the whole page
MARKER_RANSAC = 1.0  # mm, reprojection error beyond which a marker corner is an outlier of the fit
MARKER_MIN_FOUND = 3  # markers needed; with 3 the fit is affine and checked against the field frames
MARKER_CELL_MARGIN = 0.3  # fraction of each marker cell ignored when reading its bit (1-bit scans bleed)
MARKER_THRESHOLD_CONSTANT = 10  # grey levels under the local mean a marker pixel must be (paper noise stays out)
FRAME_CHECK_WINDOW = 50.0  # mm, side of the square around a missing marker whose field frames check a 3-marker fit
FRAME_CHECK_SEARCH = 3.0  # mm, largest frame offset searched for (less than half a 6 mm comb cell)
FRAME_CHECK_PX_PER_MM = 8.0  # scale the frame check works at
FRAME_CHECK_MAX_SHIFT = 0.4  # mm, largest frame offset a 3-marker fit may leave (perspective it cannot see)
FRAME_CHECK_MIN_SCORE = 0.3  # normalised correlation below which the frames are not found at all
REGISTER_MAX_RESIDUAL = 0.6  # mm, RMS reprojection error of the marker corners for a usable fit
REGISTER_SCALE_RANGE = (0.90, 1.05)  # printed size / template size at the page centre
REGISTER_MAX_SHEAR = 3.0  # degrees the page's axes may deviate from a right angle
REGISTER_MAX_ANISOTROPY = 0.05  # |horizontal scale / vertical scale - 1| at the page centre
REGISTER_MAX_SCALE_SPREAD = 0.15  # largest / smallest local scale over the markers - 1 (perspective)

# Field geometry
LABEL_WIDTH = 20.0  # mm, label column of single-line fields (label left, value right)
LABEL_BAND = 6.0  # mm, label band at the top of multi-line and signature boxes
CELL_WIDTH = 6.0  # mm, digit comb cell (DESIGN: >= 6 mm for a handwritten digit)
CELL_HEIGHT = 8.0  # mm, digit comb cell height (capped by the field's own height)
CELL_GAP = 0.0  # mm between adjacent comb cells of one group
SEPARATOR_WIDTH = 5.0  # mm, room for a printed separator (年, 月, 日, —)
COLON_WIDTH = 3.0  # mm, room for a printed ':' between hours and minutes
OPTION_BOX = 4.5  # mm, checkbox side (DESIGN: inner area >= 4 mm to tick)
OPTION_LABEL_GAP = 1.5  # mm between a checkbox and its printed option label
OPTION_LABEL_BASELINE = 0.82  # option label baseline, as a fraction of the checkbox side below its top (text sits centred)
LINE_PITCH = 9.0  # mm between guide lines of multi-line boxes
PADDING = 1.5  # mm inside a box before text or cells start

# Print styling (points / grey levels for 1-bit copier scans)
FRAME_LINE = 0.6  # pt, field frame lines
GUIDE_LINE = 0.4  # pt, multi-line guide lines
GUIDE_GREY = 0.55  # 0 = black, 1 = white: survives a 1-bit scan yet is lighter than ink
LABEL_FONT_SIZE = 9.0  # pt
VALUE_FONT_SIZE = 11.0  # pt, pre-filled values
MIN_VALUE_FONT_SIZE = 6.5  # pt, smallest size a long pre-filled value shrinks to
TITLE_FONT_SIZE = 16.0  # pt
FOOTER_FONT_SIZE = 9.0  # pt, "表单编号 … 第 x/y 页" footer
TITLE_Y = 24.0  # mm, baseline of the title, between the top markers
OUTLINE_FONT_SIZES = (10.0, 9.0, 8.0)  # pt, outline text sizes tried in turn until it fits
OUTLINE_LEADING = 1.45  # line height as a multiple of the outline font size
BLANK_PAGE_TEXT_SIZE = 40.0  # pt, "此页有意留空" on a duplex padding page
BLANK_PAGE_GREY = 0.8  # grey level of that text: visible, clearly not a form
VALUE_MAX_LINES = 2  # a pre-filled value that does not fit at the minimum size wraps to this
TEXT_CENTER_RISE = 0.36  # em from the baseline up to the visual middle of a CJK line
BOLD_STROKE = 0.02  # em, outline stroke that thickens "bold" text (CJK fonts have no bold face)

# CJK font files in order of preference (case-insensitive names), looked up in the system font
# folders of Linux, Windows and macOS. TrueType outlines only: reportlab cannot embed CFF.
# Each character is printed in the first font that has it, so the Ext-B fonts come last.
FONT_FILES = (
    "wqy-zenhei.ttc",  # Debian fonts-wqy-zenhei
    "simsun.ttc",  # Windows 宋体
    "msyh.ttc",  # Windows 微软雅黑
    "simhei.ttf",  # Windows 黑体
    "STHeiti Light.ttc",  # macOS
    "Arial Unicode.ttf",  # macOS, BMP only
    "wqy-microhei.ttc",
    "uming.ttc",  # Debian fonts-arphic-uming
    "ukai.ttc",  # Debian fonts-arphic-ukai
    "simkai.ttf",
    "HanaMinA.ttf",  # Debian fonts-hanazono: Ext-A and part of Ext-B
    "HanaMinB.ttf",  # Ext-B to Ext-F (e.g. 𬱖 U+2CC56)
    "simsunb.ttf",  # Windows SimSun-ExtB
    "SimSun-ExtG.ttf",  # Windows 11 SimSun-ExtG
    "mingliub.ttc",  # Windows MingLiU-ExtB
)
FONTS_ENV = "JIAFANG_FONTS"  # os.pathsep-separated font files tried before the system fonts

# Storage
DB_BUSY_TIMEOUT = 30.0  # s a SQLite writer waits for another writer's lock before failing
DB_WRITE_ATTEMPTS = 4  # tries of one write transaction that met another writer's lock or row
DB_WRITE_BACKOFF = 0.2  # s before the second try; doubled (with jitter) before each further one
SQL_IN_CHUNK = 500  # keys per "IN (...)" lookup; stays under every driver's parameter limit

# Roster import
ROSTER_HEADER_SEARCH_ROWS = 10  # rows from the top searched for the header row (below titles)
EXCEL_EXACT_INTEGER = 10**15  # a number cell at or above this has lost digits (Excel keeps 15 significant ones)

# 访谈提纲 content
# Items kept per section when blocks are combined, so an outline for a student in two or three
# categories stays near 1.5 A4 pages; 交流五步 and 注意事项 are never cut.
OUTLINE_SECTION_LIMITS = {
    "核心目标": 3,  # seeds/003 篇四: set 1-3 core goals per visit
    "拟了解的问题": 6,
    "拟反馈的情况": 4,
    "拟探讨的策略": 5,
    "拟达成的目标": 3,
    "携带材料": 4,
}

# Word (.docx) forms: flowing layout, so only page setup and styling are fixed here
DOCX_MARGIN = 20.0  # mm, all four page margins
DOCX_HEADER_DISTANCE = 10.0  # mm from the paper edge to the header (form id text + QR)
DOCX_FONT_EAST_ASIA = "宋体"  # document default for CJK text (SimSun)
DOCX_FONT_LATIN = "Times New Roman"  # document default for Latin text and digits
DOCX_FONT_SIZE = 10.5  # pt (五号), document default
DOCX_LINE_SPACING = 1.2  # multiple of single line spacing
DOCX_LABEL_WIDTH = 28.0  # mm, label column of the field tables
DOCX_CELL_MARGIN = 1.5  # mm, left/right padding inside table cells
DOCX_LABEL_SHADE = "E7E6E6"  # RGB hex, light grey fill of label cells
DOCX_PLACEHOLDER_COLOR = "808080"  # RGB hex, grey placeholder text of empty controls
DOCX_CHECKBOX_FONT = "MS Gothic"  # font Word uses for its checkbox glyphs ☐ ☒
DOCX_BULLET_INDENT = 5.0  # mm, hanging indent of outline bullet items

# Readback: normalisation and validation of returned forms
AUTO_MIN_CONFIDENCE = 0.9  # 0..1; a read value below this goes to review (Word controls read 1.0)
PHONE_DIGITS = 11  # mainland mobile numbers; anything else is a landline or a misread

# Record export
XLSX_MIN_COLUMN_WIDTH = 6  # characters (Excel width units), narrowest export column
XLSX_MAX_COLUMN_WIDTH = 60  # characters; longer text wraps instead of widening the column

# Zip archives among the returns (pipeline.ingest.archives)
ARCHIVE_MAX_MEMBERS = 5000  # files in one zip of returns (a class's photos are a few hundred)
ARCHIVE_MAX_UNCOMPRESSED = 8 * 2**30  # bytes, a zip of returns once unpacked (a school's scanned stacks)
UNPACK_STALE_HOURS = 72  # an unpack folder this old was left by a batch killed mid-way (none runs this long)
ARCHIVE_MAX_RATIO = 200.0  # unpacked / packed size of one member above DOCX_RATIO_MIN_SIZE (photos and scans barely compress)

# Returned Word files: limits checked before anything is extracted (zip bombs), and reading
DOCX_MAX_ENTRIES = 2000  # parts in one .docx (ours have ~15; a photo-heavy one a few dozen)
DOCX_MAX_UNCOMPRESSED = 100 * 2**20  # bytes, all parts together once expanded (room for photos)
DOCX_MAX_XML_PART = 20 * 2**20  # bytes, largest XML part we parse
DOCX_MAX_RATIO = 100.0  # expanded / compressed size of one part; text XML stays under ~30
DOCX_RATIO_MIN_SIZE = 4 * 2**20  # bytes, a part is judged by its ratio only above this size
DOCX_MAX_IMAGE_PIXELS = 4_000_000  # pixels, largest header image decoded when looking for the QR
DOCX_FALLBACK_CONFIDENCE = 0.85  # a field read by its label or alias after its tagged control was lost
DOCX_DOUBT_CONFIDENCE = 0.5  # a field the Word reader has its own doubt about (goes to review)
DOCX_REPEAT_WINDOW = 12  # characters; a stretch this long seen twice in a fallback read is doubted

# Scan recognition (pipeline/recognize): ink, checkboxes, digit cells, text bands, OCR engine
INK_LEVEL = 0.7  # a pixel is ink when darker than this fraction of the crop's paper level (light pens reach ~0.65)
INK_PAPER_PERCENTILE = 95  # percentile of a crop's grey levels taken as its paper level
INK_MIN_PAPER = 128  # grey; a crop whose paper level is darker is judged against white (255)
INK_SPECK_AREA = 0.12  # mm², connected ink smaller than this is scanner noise, not writing
INK_MIN_AREA = 0.8  # mm², least ink that makes a cell, line or box "written" (a short digit 1 ~2 mm²)
LINE_MIN_LENGTH = 12.0  # mm, a straight horizontal run this long anywhere is a printed line
FRAME_MARGIN = 1.2  # mm from a crop's edge where printed frame lines may land after registration
FRAME_MIN_SPAN = 0.5  # a run along an edge covering this share of the crop side is a frame line
LINE_GAP_BRIDGE = 0.6  # mm, gaps a 1-bit scan dithers into a grey line, closed before line search
RULE_SEARCH = 0.4  # mm either side of a guide line's layout row where its remains are cleared
RULE_EDGE = 0.3  # mm just beyond that where a stroke crossing the line shows it is writing
# --- Faint and broken ink, comb cells (issue 12 items 1-2; pipeline/recognize/ink.py, combs.py) ---
# Pencil and light pens (grey 170-200 on paper ~250) fall under INK_LEVEL; 1-bit copies of them
# at a threshold of 150-185 break strokes into dots. Measured on pencil combs and ticks (ink
# 170-200) through grey and 1-bit 200 dpi scans, and on ordinary pens (ink 10-70) for the
# other side: see bench/faint_ink.py. The faint level of a page is never lighter than the
# darkest its own blank checkboxes get (quality.page_ink).
# bench/faint_ink.py, 20 forms (half in pencil) scanned grey and 1-bit, seed 12: digit values
# wrong yet auto 5 -> 0 (auto precision 40/45, 95 % lower bound 0.789 -> 40/40, 0.937); 1s
# written anywhere across their cells read as empty 227/512 -> 3/512.
FRAME_CROSSING = 0.95  # share of a crop side a frame run's ink must reach across (a written 1 reaches <= 0.85)
FAINT_INK_LEVEL = 0.9  # share of the paper level below which a pixel may be faint writing (pencil 200 / paper 250 = 0.8)
INK_JOIN = 0.5  # mm, closing that joins a 1-bit copy's dots back into strokes (a digit's loops, >= 1 mm, stay open)
# Ordinary ink as a share of the joined faint ink, per written cell: pens 0.68-0.75 in grey and
# 0.84-0.98 in 1-bit scans; pencil in grey 0-0.25; pencil broken by a 1-bit copy 0-0.62.
INK_SOLID_SHARE = 0.6  # below this share the writing is faint or broken (read joined, reviewed)
INK_TRACE_AREA = 0.3  # mm² of faint ink that keeps a comb from reading surely empty
BLANK_DARK_PERCENTILE = 2  # percentile of a blank checkbox's grey taken as how dark blank paper gets on the page
FAINT_MARGIN = 0.03  # share of the paper level below the blank boxes' darkness where faint ink starts (grey noise sd 8 ~ 0.03)
FAINT_PAGE_SHARE = 0.5  # share of a page's written cells and boxes that are faint or broken: the page is faint
# "bar": the longest ink run along a row in a digit's top quarter, as a share of its height.
# Font hands (ukai, uming, wqy-zenhei, HanaMin; 48 writers): 1 (with its flag) 0.31-0.43, 7 0.47-0.68.
ONE_BAR_MAX = 0.5  # a bar this long contradicts a 1 reading
SEVEN_BAR_MIN = 0.25  # a bar shorter than this contradicts a 7 reading (a plain upright stroke)
ONE_TILT_MAX = 25.0  # degrees from vertical beyond which a stroke is no clean 1 but maybe a "/" (font 1s: <= 17.6)
SHAPE_DOUBT = 0.5  # share of its probability a 1 or 7 reading keeps when the cell's ink contradicts it (below COMB_AUTO_MIN)

OMR_INSET = 0.6  # mm inside a checkbox's printed outline where its inner area starts
OMR_PAD = 1.5  # mm of page around a checkbox cropped with it (ring for strays over the border)
OMR_SEARCH = 0.8  # mm, how far from its registered spot a checkbox outline is looked for
PLACEMENT_LINE_TOL = 0.25  # mm either side of a box's side where its printed line is looked for, once the box is placed
PLACEMENT_SIDE_MIN = 0.9  # share of each side's length inked for a box's outline to be found in place: every box of 3 scanned
# stacks (office x2; hard: 1-bit, folds, show-through) and 2 photographed ones, 2,802 option boxes and 2,920 comb cells, showed 1.0; the
# boxes a wrong photo warp carried 3 mm off showed 0.0 (option box) and 0.43-0.69 (comb cells)
OMR_RING = 0.8  # mm, width of the ring outside a checkbox where strays are measured
OMR_GRID = 4  # sub-cells per side of the inner area (0.8 mm cells); its emptiest quarter is "cover"
OMR_JOIN = 1.2  # mm, gaps in a box's ink closed for "joined" (ticks' bare corners are wider: see below)
OMR_BROKEN_SURE = 0.95  # most confidence of a tick in several pieces: auto, yet short of the 1.0 a faint page keeps
# Measured (fill / cover / blot) on a 100-form office-profile stack (pens 0.3-0.5 mm, blur,
# 1-bit copies): empty 0 / 0 / 0; ticks and crosses 0.18-0.62 / 0-0.22 / 0.7-1.5 mm (99 %:
# fill 0.58); ticks straying over the border 0.22-0.43 (ring to 0.12); filled boxes 1 / 1 / 3.3.
# Marks drawn wider through the same scanner model: marker ticks (1.2 mm pen) 0.54-0.73 / <= 0.2
# / 1.6-2.3, marker crosses (0.9-1.2 mm) 0.59-0.92 / 0.05-0.74 / 1.75-2.75; ballpoint scribbles
# with gaps 0.6-1.0 / cover >= 0.86 at rows 1.3 pen widths apart, >= 0.64 at 1.7, 0.2-0.7 at
# 2.8; boxes blackened in part blot 1.8-3.1. Marker crosses and loose scribbles overlap: the
# bands between the states send them to review (none read as a sure withdrawal; one in ten
# scribbles with rows >= 3 pen widths apart, a zigzag more than a fill, reads as a sure tick).
# Joined cover (gaps to OMR_JOIN closed), two hard-preset stacks (seeds 13, 14: stroke hands, pencil,
# 1-bit copies, folds): 319 ticks read 0-0.18 (99 %: 0.15); boxes filled in pencil and copied in
# 1-bit mode 0.68-0.70 where their plain cover was 0.11-0.31 (one read as a sure tick before).
OMR_AMBIGUOUS_MIN = 0.03  # fill from here up to OMR_TICK_MIN is a faint mark (review)
OMR_TICK_MIN = 0.08  # fill at or above which a mark counts as a tick (thinnest ticks seen: 0.18)
OMR_HEAVY_MIN = 0.72  # fill from which an uneven mark is too heavy for a plain tick (review)
OMR_COVER_HEAVY_MIN = 0.35  # cover from which a mark is too even for a tick or cross (review)
OMR_COVER_FILLED_MIN = 0.6  # cover at or above which a box is filled in = crossed out
OMR_BLOT_MIN = 2.2  # mm, a solid patch of ink this wide is no pen stroke: a box blackened in part (review)
OMR_STRAY_MIN = 0.03  # ring fill that, with some ink inside the box, makes a faint mark a stray tick
# Softness of each threshold: confidence is 0.5 at it and 1.0 this far from it (0.9 at 80 %)
OMR_AMBIGUOUS_SOFT = 0.02  # fill; an empty box with a speck of dirt (< 0.014) stays auto
OMR_TICK_SOFT = 0.05  # fill; ticks from 0.13 up are auto
OMR_HEAVY_SOFT = 0.15  # fill; ticks up to 0.6 are auto, heavier ones (marker pens, loose scribbles) not
OMR_COVER_HEAVY_SOFT = 0.15  # cover; ticks and crosses up to 0.23 are auto
OMR_COVER_FILLED_SOFT = 0.2  # cover; a withdrawal is auto from 0.76 (a dense scribble)
OMR_BLOT_SOFT = 0.5  # mm; ticks with patches up to 1.8 mm are auto
OMR_STRAY_SOFT = 0.03  # ring fill; a faint mark straying 0.054 or more over the border is an auto tick
CELL_INSET = 0.4  # mm inside a comb cell's printed outline where the digit's area starts
TEXT_INSET = 0.5  # mm inside a text field's value box, clear of its frame lines
LINE_PAD = 1.5  # mm of paper before and after a line's ink handed to the recognizer (none above or below)
CELL_PAD = 1.0  # mm of paper left and right of a digit handed to the recognizer
LINE_MIN_HEIGHT = 6.0  # mm = the recognizer's 48 px input height: lower lines are padded to it, never enlarged
LINE_MAX_RATIO = 32  # width / height of the longest piece a narrative line is read in (longer ones are cut at a gap)
BAND_STRAY_MAX = 0.12  # share of a multi-line box's ink outside its band; above it, detect lines
BAND_BRIDGE_PX = 5  # px, vertical bridge over a removed guide line when grouping ink into pieces
DATE_WINDOW_MARGIN = 366  # days before and after the school year a written date is still read as one
PRINT_LINE_SEARCH = 0.4  # mm above and below its layout position a printed frame line is looked for
PRINT_LINE_INSET = 0.4  # mm at each end of a frame line left out (corners, where vertical lines meet it)
PRINT_LINE_LEVEL = 0.85  # a column shows its printed line when darker than this share of the paper (a blurred grey line is)
# Grey and colour scans show 0.99-1.0 of the frame lines; 1-bit scans at a threshold of 180 or
# more, 1.0; at 157, 0.46-1.0 (readings still right); the harsh profile's 1-bit scans at 152-156
# with heavy blur, 0.35-0.5, and there a 4 reads as a sure 1.
PRINT_SURVIVAL_MIN = 0.6  # share of frame lines found below which a page's handwriting is all reviewed
# Of a page's pixels darker than paper (≤ 207), the share in mid grey (48-207): grey and colour
# scans 0.63-0.77 (every stroke has soft edges); 1-bit scans 0, saved as JPEG at quality 50-95
# 0-0.023 (a phone scanner app's black-and-white mode is the same). Below this the page was thresholded.
THRESHOLDED_MID_SHARE = 0.15
INK_MID_GREY = (48, 207)  # grey levels of a stroke's soft edge in a grey scan
RENDERED_1_BIT_LEVEL = 128  # a 1-bit scan's page rendered (turned, in strips) is thresholded back here
SIGNATURE_MIN_AREA = 4.0  # mm² of ink from which a signature box is signed (a signature has 20+)
LEXICON_NEAR_MIN = 0.66  # similarity (1 - edits / length) from which text may be a misread roster value
LEXICON_MAX_NAMES = 3  # names in one teacher field scored against the roster (more: read as written)
LEXICON_MAX_CANDIDATES = 64  # name combinations scored for one teacher field
LEXICON_OTHER_WEIGHT = 0.1  # prior weight of text outside the roster against a roster value (1)
COMB_AUTO_MIN = 0.95  # P(digits) a comb needs to pass unchecked (held-out hands: 2 of 20 wrong at 0.90-0.95, 0 of 611 above)
OCR_THREADS = 1  # onnxruntime intra-op threads per engine (one engine per worker process)
OCR_ENGINE_ENV = "JIAFANG_OCR_ENGINE"  # "module:factory" building another engine (e.g. PaddleOCR with local models)
OCR_REC_BATCH = 16  # line images per recognizer batch (a phone comb is 11 cells)
OCR_REC_WIDTH_SPREAD = 1.25  # widest / narrowest line (at 48 px high) sharing one recognizer batch
OCR_REC_MIN_WIDTH = 96  # px at 48 px line height: narrower inputs are padded to this, not to 320
# (bench/ocr_engines.py: digit cells 6x faster than at the default 320, same accuracy)

# Names and places read against what the school knows (pipeline/recognize/lexicon.py, fields.py)
# A handwritten short text that neither the roster nor the workspace's verified places confirm
# has nothing to be checked against. On real writing (issue 12: public research samples, many
# writers, read by this short-text path) the recognizer is over-confident: at >= 0.95 one piece
# of 66 and 7 % of single characters were wrong, and single characters were still misread at
# 0.991-0.997 (守→宁, 宓→安, 审→甲). Synthetic font hands (0 wrong of 400 above 0.9) do not show
# this, so the shipped floor is the conservative 0.99 until `calibrate` has this school's own
# decisions. Neither a lone character nor text one character from a known value is passed
# unconfirmed at any confidence (lexicon.Resolved.near_miss): that is what those misreadings look like.
SHORT_TEXT_AUTO_MIN = 0.99  # P(text) an unconfirmed handwritten short text needs to pass unchecked
SHORT_TEXT_MIN_CHARS = 2  # characters an unconfirmed handwritten text needs to pass at all (lone characters: 0.99 is not enough)
LEXICON_NAMES_PER_FIELD = 8  # school names found (nearly) inside a teacher field that lists are built from
# Prior weight of a teacher of another class in a teacher list (own class and teachers of no
# class: 1). Visits are made by the class's 班主任 and 科任; a teacher of another class joins
# seldom. At 0.2 a rival from another class must be read 5 times as clearly to win.
LEXICON_OTHER_CLASS_WEIGHT = 0.2
# Prior weight of a place outside the workspace's verified places against one of them (1):
# a school's history is no closed list, new places are written far more often than a name
# outside the roster (LEXICON_OTHER_WEIGHT = 0.1), so a history place must be seen more clearly.
LEXICON_PLACE_OTHER_WEIGHT = 0.3

# Returned PDF files (fillable AcroForm, Word/WPS exports, our print PDF filled digitally)
PDF_EOF_WINDOW = 4096  # bytes at the end of a PDF searched for "%%EOF" (missing: truncated file)
PDF_PICTURE_SHARE = 0.25  # share of a PDF page's area its images fill for it to be a picture of paper (a photo within Word's margins fills 30-55 %)
PDF_UNMAPPED_SHARE = 0.3  # share of page 1's characters that map to no Unicode text above which a PDF's text cannot be read
PDF_QR_DPI = 150  # dpi page 1 is rendered at to decode its QR code (a 0.85 mm module = 5 px)
PDF_LABEL_TOLERANCE = 2.0  # mm, a printed label this close to its layout position is ours
PDF_LAYOUT_MATCH = 0.8  # share of page-1 labels found at their layout position for "our print"
PDF_TEXT_CONFIDENCE = 0.9  # a value read next to its label in a Word/WPS export
PDF_DOUBT_CONFIDENCE = 0.5  # a value a PDF reader has its own doubt about (goes to review)
PDF_SPACE_GAP = 0.3  # em; a wider gap between two characters is read as a space
PDF_GREY_RANGE = (0.3, 0.85)  # grey level (0 black, 1 white) of placeholder text in exports
PDF_FRAME_INSET = 0.6  # mm; marks within this of an option box's edge are its printed frame
PDF_STRADDLE_SHARE = 0.3  # a glyph this much inside a value box, centred outside it, strays out
PDF_RUN_GAP = 2.0  # em; a wider gap between two characters of a line starts another run of text
PDF_STRIKE_BAND = (0.3, 0.9)  # where in a glyph's box (0 top, 1 bottom) a line through it strikes it out; an underline lies below 1
PDF_STRIKE_THICKNESS = 0.5  # mm; a rule this thin or thinner can be a strike-through (Word: a filled rectangle, LibreOffice: a line)
PDF_UPRIGHT_ANGLE = 0.1  # radians; a character turned less than this in its page's own space stands upright
PDF_UPRIGHT_SHARE = 0.8  # share of a turned page's characters upright in its own space for its text layer to be read there
PDF_RECT_SEGMENTS = 4  # straight segments a rectangle has at most (3 and a close, or 4); more are a pen's stroke

# Compliance to-do lists and the problem ledger (台账)
TODO_PROBLEM_CHARS = 30  # characters of 发现的问题 quoted in a to-do line (the ledger keeps it all)

# Scan ingest (pipeline/ingest/scan_run.py)
CROP_PAD_MM = 1.0  # mm of context kept around a field's box in its stored crop
PAGE_JPEG_QUALITY = 80  # stored page images (grey/colour scans; 1-bit pages are kept as PNG)
PNG_COMPRESS_LEVEL = 1  # zlib level of stored PNGs (1-bit pages, field crops): 2x faster than 6, ~25 % larger
SCAN_QUEUE_PER_WORKER = 2  # pages in flight per worker process: bounds memory on long stacks
SCAN_PAGE_TIMEOUT = 300.0  # s with no page finished before the workers are taken to hang (then read one by one)

# Review station (pipeline/review/)
REVIEW_PAGE_PX_PER_MM = 4.0  # px/mm of page images shown in the record view (~100 dpi)
REVIEW_SHEET_CROP_HEIGHT_PX = 60  # px; crops embedded in the review spreadsheet are scaled to this
REVIEW_SHEET_ROW_HEIGHT_PT = 48  # points; rows of the review spreadsheet hold one crop image
REVIEW_RECENT_BATCHES = 10  # batches listed on the dashboard

# Archives: 一生一档 dossiers and 督导检查 inspection packets
ARCHIVE_MARGIN = 15.0  # mm, page margin of dossier and packet pages
ARCHIVE_FONT_SIZE = 9.5  # points, body text of record pages and tables
ARCHIVE_TITLE_SIZE = 15.0  # points, page titles
ARCHIVE_SCAN_DPI = 100  # dpi a scanned page is embedded at (readable handwriting, small packet)
ARCHIVE_SCAN_JPEG_QUALITY = 75  # grayscale JPEG quality of embedded scan pages
ARCHIVE_CHUNK_RECORDS = 40  # records per intermediate PDF part: bounds memory whatever the school size
ARCHIVE_REVIEW_SHADE = 0.88  # grey level of a table row whose value waits for review

# Office workbooks (统计表, to-do list, 台账: pipeline/report/office_workbook.py) and the printed 统计表
OFFICE_XLSX_TITLE_SIZE = 16  # pt, merged title
OFFICE_XLSX_TITLE_HEIGHT = 30  # points, title row
OFFICE_XLSX_LINE_HEIGHT = 14  # points per wrapped line of a header or note cell
OFFICE_XLSX_ROW_PADDING = 4  # points added to a wrapped row's height
STATS_PDF_MARGIN = 12.0  # mm on every side of the A4 landscape page
STATS_PDF_TITLE_SIZE = 15.0  # pt
STATS_PDF_TEXT_SIZE = 9.0  # pt, info line, captions, notes, 填报人 line
STATS_PDF_CELL_SIZE = 8.0  # pt, table cells
STATS_PDF_ROW_HEIGHT = 6.5  # mm, one table row (and the least height of a header row)
STATS_PDF_LEADING = 1.3  # line height as a multiple of the cell font size, wrapped headings
STATS_PDF_CELL_PADDING = 0.8  # mm inside a cell before wrapped text
STATS_PDF_MAX_MM_PER_WIDTH = 2.4  # mm per Excel width unit at most (narrow tables stay narrow)
STATS_PDF_GAP = 5.0  # mm between blocks (title, tables, notes)
STATS_PDF_HEADER_GREY = 0.88  # fill of heading cells (0 black, 1 white)

# Calibration from this workspace's reviewer decisions (pipeline/calibrate, `jiafang calibrate`)
# Issue 12: a wrong value accepted as auto is the worst defect, so a threshold moves only where a
# one-sided Wilson lower bound on the precision of what it accepts reaches the target. With no
# error at all that takes 539 decisions of one reader and kind (539 / (539 + 1.645²) >= 0.995).
CALIBRATE_TARGET_PRECISION = 0.995  # share of accepted values that must be right (lower bound, not estimate)
CALIBRATE_CONFIDENCE_LEVEL = 0.95  # one-sided confidence level of that lower bound

# Review load: minutes of review left, from the review station's own timings (pipeline/calibrate/load.py)
# Seconds per field until a kind has REVIEW_TIMING_MIN_SAMPLES measured decisions. Not measured:
# deliberately generous guesses (a clerk new to the queue, reading the crop and retyping the value;
# a paragraph draft read against the scan line by line), replaced by the workspace's own medians.
REVIEW_SECONDS_DEFAULT = {
    "text": 20.0,
    "multiline": 90.0,
    "date": 15.0,
    "time_range": 15.0,
    "phone": 15.0,
    "digits": 15.0,
    "single_choice": 10.0,
    "multi_choice": 12.0,
    "signature": 8.0,
}
REVIEW_TIMING_MIN_SAMPLES = 10  # measured decisions of a kind before their median replaces the default
REVIEW_TIMING_MAX = 300.0  # s; a longer gap before a decision is a pause, not review time (not kept)
# Narrative lines that pass unchecked (pipeline/recognize/fields.py, issue 12 item 4)
# bench/narrative_lines.py (36 record forms, 373 lines, 3 writer generators: AR PL UKai, WenQuanYi
# Zen Hei, AR PL UMing fonts with seeded jitter; office scans incl. 1-bit): the CER of accepted lines
# at this threshold is 0.16 % (6 of 3,845 characters, one-sided 95 % Wilson bound 0.30 %), no
# generator above 0.35 %; at 0.8 the pooled bound still holds (0.37 %) but UMing alone reaches 0.56 %.
# Held out (24 forms, seed 6, harsh scans: heavy blur, half 1-bit): 0.35 % (5 of 1,423, bound
# 0.72 %), every one a full stop lost or misread at a line's end; words alone 0 errors (bound 0.21 %).
# Narrative fields left for review per form: 6 before, 4.4 (office) and 5.3 (harsh) at this value.
NARRATIVE_CHAR_AUTO_MIN = 0.9  # least per-character confidence of a handwritten line accepted as `auto`
# The word check of narrative characters (pipeline/recognize/wording.py): a character that a
# dictionary neighbour would make a better word of loses its confidence to that rival. Evidence
# (bench/narrative_lines.py, 30 forms per stack, 5 writer generators: 3 fonts with seeded jitter, the
# stroke writer in ink and in pencil; lines the recognizer alone passes at NARRATIVE_CHAR_AUTO_MIN):
#   wrong lines accepted, recognizer alone -> word weight 1.5 -> 2: office seed 21 (tuning) 3 -> 0 -> 0;
#   held out: office 23 2 -> 0 -> 0, office 25 0 -> 0 -> 0, harsh 24 1 -> 1 -> 1 (two full stops the 1-bit
#   copy erased, no word); narrative fields to review per form 4.60 -> 4.87 -> 5.10 (21), 5.47 -> 5.63 ->
#   5.73 (23), 4.97 -> 5.10 -> 5.30 (25).
# bench/dropped_radicals.py (300 sentences of ../shared/seeds x 3 fonts, one character's left 35 %
# erased, seed 2): 7 wrong lines the recognizer alone passes; 3 pass at weight 1.0, 2 at 1.5 (如可 for
# 如何, 对立 for 树立), 1 at 2.0 (对立: itself a word), right lines held back 0 of 43 at 1.5, 2 at 2.0,
# 6 at 3.0. jieba's single words are generous (a pair of frequent characters scores nearly as well
# as the word they misspell), so its log ratio counts twice: wrong values cost more than reviews.
WORD_RIVAL_MIN = 1e-6  # least probability a rival reaches on a character's frames to be weighed at all
WORD_RIVALS_MAX = 20  # the likeliest rivals on a character's frames weighed (the rest cannot outweigh them)
WORD_CONTEXT = 3  # characters either side of a character the word model scores
WORD_WEIGHT = 2.0  # times the word model's log likelihood ratio counts against the frames'
# A rival put in the draft (never in an accepted line: the doubt counts words twice, so such a
# character is below 0.5): bench/narrative_lines.py, draft characters right, 30 forms a stack, before ->
# after: office 21 92.8 -> 94.8 %, office 23 (held out) 92.5 -> 94.4 %, harsh 24 82.1 -> 83.7 % (with the
# marks below: 95.3, 94.8, 84.4 %); every generator better on each stack; lines made worse 3, 3, 7, all
# already unreadable pencil lines.
WORD_CORRECTION_ODDS = 1.0  # a rival this much likelier than the character read (words counted once) replaces it in the draft
# Writing on a scanned page outside every box a teacher fills (pipeline/recognize/stray.py): the
# scan's ink that the page as printed does not explain.
STRAY_PRINTED_LEVEL = 230  # grey level (0..255) of the page as printed below which it is printed (grey print too: a 1-bit copy dithers it into dots)
STRAY_PRINT_TOLERANCE = 1.5  # mm printed ink is grown by: registration leaves up to ~0.5 mm, a 1-bit copy fattens strokes
STRAY_FIELD_PAD = 2.0  # mm around a box a teacher fills whose ink belongs to it (a tick or a word over its frame)
STRAY_TITLE_BOTTOM = 27.0  # mm, bottom of the title band (baseline TITLE_Y): a reprint's or renamed school's title differs
STRAY_CONTENT_FOUND = 0.9  # share of an outline box's rendered print that must have the scan's ink near it for the box to be judged
STRAY_CONTENT_EXPLAINED = 0.5  # share of the scan's ink in an outline box that must lie near the rendered print (the rest may be writing)
STRAY_EDGE = 5.0  # mm along the paper's edge not looked at (scanner shadow, staples, punch holes)
STRAY_JOIN = 1.5  # mm between strokes of one patch of writing
STRAY_MIN_SIDE = 2.5  # mm, least width and height of a patch of writing (a small written character ~4)
STRAY_MIN_INK = 2.0  # mm² of strokes in a patch of writing
STRAY_QR_THROUGH_PAD = 4.0  # mm around where the back's QR code shows through: a duplex printer sets the back off by up to ~2 mm, and the ghost is blurred
STRAY_MAX_ELONGATION = 10.0  # longest over shortest side of a patch of writing; longer ones are folds or creases
REVIEW_LINE_PAD_MM = 1.5  # mm of the field's crop kept around a line's ink in the review station's line image
# A narrative line next to faint ink no line showed the recognizer is not accepted
# (pipeline/recognize/text.py _unseen_ink): bench/ingest.py --photos (seed 11) had a photo's final 。
# too light for the line's ink (two 7 px fragments at INK_LEVEL), and one wrapped alone onto the next
# band (below INK_MIN_AREA, so no line): both lines passed at 0.91 and 0.98 without it.
LINE_MARK_GAP = 0.5  # mm around a line's ink where its own faint edges may still lie
LINE_MARK_MIN_AREA = 0.5  # mm² of joined faint ink that is a mark (a 1.5 mm 。 in a 0.3 mm pen ~1.4); less is a speck
LINE_MARK_MIN_SIDE = 0.6  # mm, least width and height of a mark (a guide line's leftover is thinner)
# The page a photo's readers get is sharpened (pipeline/scan/illumination.py sharpen), after every
# geometry check. bench/ingest.py --photos, seed 11, 40 forms (87 photos), no wrong `auto` either way:
# straight-through digits 67 -> 80 %, dates 73 -> 89 %, names 91 -> 99 % (scans: 97 / 98 / 87 %).
# Twice the amount gave digits 87 % but made blank checkboxes of tests/photo_support.py's noisier
# photo read as light marks, and its curled sheet's print match worse.
# Issue 17 (photo-read): the pixel noise is now taken out first (a 3 px median) and the full amount
# applied. bench/ingest.py --photos, seed 11, 20 forms (39 form photos, 440 written comb cells): comb
# cells judged faint 9 -> 2 (a Gaussian pre-blur instead of the median: 5; amount 1.5: 1), blank
# checkboxes and empty cells read as marked unchanged (7 of 272 boxes, 0 of 24 cells, all variants).
# The same stack ingested: straight-through digits 89.5 -> 94.7 % (scans 94.7), dates 94.9 -> 97.4 %
# (scans 100), places 16 -> 32 %, narrative lines 20 -> 16 %; no wrong `auto` either way.
PHOTO_SHARPEN_SIGMA = 0.19  # mm, Gaussian sigma of the unsharp mask (1.5 px at 8 px/mm: a phone's blur there)
PHOTO_SHARPEN_AMOUNT = 1.0  # how much of the detail above that blur is added back
PHOTO_DENOISE_APERTURE = 3  # px (odd) of the median taken before sharpening: sensor and JPEG grains are 1-2 px, a printed frame line 1.7 px survives it
PHOTO_SHARPEN_MIN_PX_PER_MM = 5.0  # px/mm at the page's worst corner: hand-held 12 MP photos 5.6-11.8; a 3 MP one (tests' 1500x2000, 4.2) sharpened shows its noise as faint writing on an unfilled page
# Phone photos (pipeline/scan/rectify.py, illumination.py, photo_quality.py). A photo has no
# print scale to check: its page is mapped by the homography (refined by a smooth warp on the
# printed frames of a curved sheet) and what is checked is the resolution left after that.
# Figures rest on tests/photo_support.py's photos of the record form (12 MP, 35 % tilt, 20 mm
# curl, light 0.45-1.0, blur sigma 0-9 px) unless said otherwise.
# px, long side of a photo below which it was shrunk after it was taken: phone cameras take
# 3,000-4,000 (8-12 MP and up); chat apps send 1,280-1,920 unless the original is asked for
PHOTO_CAMERA_MIN_PX = 2400
PHOTO_MIN_PX_PER_MM = SCAN_DPI_RANGE[0] / 25.4  # px/mm in the page's worst direction at its worst corner: the lowest scan resolution accepted
PHOTO_SHEET_WORK_SIDE = 1000  # px, long side the photo is scaled to when the sheet's edges are traced
PHOTO_SHEET_CORNER_MARGIN = 0.01  # share of the frame: a sheet corner nearer the frame's edge than this is cut off
PHOTO_FRAME_WINDOW = 36.0  # mm, side of each window the printed frames are matched in after the homography
PHOTO_FRAME_STEP = 18.0  # mm between window centres (a grid over the framed area)
PHOTO_FRAME_SEARCH = 4.0  # mm, largest frame offset searched for (a 20 mm curl leaves up to 3 mm under the homography)
PHOTO_FRAME_MIN_SCORE = FRAME_CHECK_MIN_SCORE  # normalised correlation below which a window's frames are not found at all
PHOTO_FRAME_PEAK_DROP = 0.05  # correlation a match must lose 1 mm or more off its peak along an axis for that axis to count
PHOTO_FRAME_MIN_WINDOWS = 8  # windows that must fix each axis before a photo's page is trusted
PHOTO_REFINE_ABOVE = FRAME_CHECK_MAX_SHIFT  # mm, largest frame offset one homography may leave before the page is refined
PHOTO_TPS_SMOOTHING = 0.5  # thin-plate spline regularisation (mm^2): frame matches are ~0.1 mm noisy
PHOTO_TPS_OUTLIER = 1.0  # mm off the spline: a frame match this far out is dropped and the spline refitted
PHOTO_MAX_RESIDUAL = REGISTER_MAX_RESIDUAL  # mm, RMS frame offset after refinement for a usable page
PHOTO_MAX_OFFSET = 1.0  # mm, largest single frame offset after refinement (a box edge still inside its crop pad)
LIGHT_KERNEL = 12.0  # mm, closing that estimates the paper's light: wider than any dark print but the QR (markers 8, filled box 4.5)
LIGHT_SMOOTH = 1.0  # mm, Gaussian sigma smoothing that estimate (shadow edges stay sharp)
LIGHT_PAPER_LEVEL = 245  # grey level paper is flattened to (a grey office scan's paper)
GLARE_LEVEL = 250  # grey level at and above which a photo pixel is saturated
GLARE_MIN_AREA = 4.0  # mm^2, a saturated blob this big hides a stroke; smaller ones are specks
GLARE_BOX_SHARE = 0.02  # share of a field's boxes under glare that sends the field to review
GLARE_MAX_FIELDS = 0.5  # share of the page's fillable fields under glare beyond which it is retaken
PHOTO_MIN_SHARPNESS = 45.0  # Laplacian variance over the rectified framed area: sharp photos 1000-1700; a blur of sigma 2 / 3 / 4 frame px (0.17 / 0.26 / 0.35 mm) gives 106 / 52 / 42
PHOTO_MAX_EDGE_WIDTH = 3.5  # px, edge spread (sigma) of an unregistered photo beyond which it is called blurred: sharp 0.7-0.9, markers lost from ~4.5
# Photos that show no form (pipeline/scan/rectify.py shows_blank_sheet): the back of a sheet is
# quarantined with advice to photograph the front; other pictures are refused as foreign.
BLANK_SHEET_BORDER = 10.0  # mm inside a photographed sheet's traced edges left out when it is judged blank (edge shading, desk)
BLANK_SHEET_QUAD_FIT = 0.1  # a sheet's traced outline fills its four-edge quadrilateral within this share (bench backs: 0.99-1.05)

# --- Office console pages (issue 13 item 1: pipeline/console/, pipeline/roster/template.py) ---
ROSTER_TEMPLATE_ROWS = 2000  # rows of the blank roster template given the drop-downs (a large school's roster sheet)
CONSOLE_ROSTER_MAX_BYTES = 20 * 1024 * 1024  # a roster uploaded to the console: a 3,000-student xlsx is ~0.5 MB
CONSOLE_PACKET_MAX_BYTES = 2 * 1024**3  # a packet ZIP uploaded to be verified: scans make ~1 MB a record
CONSOLE_UPLOAD_CHUNK = 1 << 20  # bytes copied at a time from a received upload to its folder
CONSOLE_UPLOAD_SLACK = 64 * 1024  # bytes of an upload's form beside the file (boundaries, headers, the file name)
CONSOLE_AUDIT_PAGE = 200  # audit events shown at once on the 审计 page (newest first)
CONSOLE_DOSSIER_MATCHES = 30  # students listed for one 一生一档 search

# Visit plan (pipeline/plan). The term calendar a school has not written yet is derived from
# the semester's dates: finals take the term's last weeks (Chinese schools' 期末考试 and
# marking: two weeks), and the fixed-date national holidays (国务院 holiday rules; the school
# adds the lunar ones, which move). Weekly capacity, evening size and the two-teacher rule are
# the policy profile's (`plan:`), since they differ by school.
PLAN_FINAL_EXAM_WEEKS = 2  # weeks at a term's end left free for finals
PLAN_FIXED_HOLIDAYS = (  # (name, (month, day) first, (month, day) last), inclusive
    ("国庆节", (10, 1), (10, 7)),
    ("元旦", (1, 1), (1, 1)),
    ("清明节", (4, 4), (4, 6)),
    ("劳动节", (5, 1), (5, 5)),
)
PLAN_STAGE_WEEKS = 4  # weeks of the first (启航适应期) and last (总结展望期) stages: "a month" in seed 003 篇二
PLAN_DEFAULT_SEED = 2025  # tie-breaking seed of the scheduler when none is given
PLAN_CONTACT_TIME = "16:30"  # a 重点 student's 约谈 or a first call: after the last lesson, at school
PLAN_DOC_FONT = "宋体"  # East Asian font of the class plan .docx (Word and WPS both have it)
PLAN_DOC_TEXT_PT = 11.0  # pt, body text of the class plan (.docx and PDF)
PLAN_DOC_TEXT_WIDTH_CM = 16.0  # cm of table width on A4 portrait inside Word's default margins
PLAN_PDF_MARGIN = 18.0  # mm on every side of the class plan's A4 portrait PDF page
PLAN_PDF_TITLE_PT = 18.0  # pt
PLAN_PDF_HEADING_PT = 13.0  # pt
PLAN_PDF_CELL_PT = 9.5  # pt, table cells
PLAN_PDF_LEADING = 1.5  # line height as a multiple of the font size
PLAN_PDF_CELL_PADDING = 1.2  # mm inside a table cell
PLAN_STATUS_COLUMNS = ("学籍状态", "在籍状态", "状态")  # roster columns that may say a student has left
PLAN_LEFT_WORDS = ("转出", "离校", "退学", "休学", "已转学")  # … and the words that say so
PLAN_NEW_STUDENT_COLUMN = "新转入"  # the focus column (plan.focus_columns) the three-stage model visits first
# --- LAN mode: operator accounts and sign-in (pipeline/store/operators.py, pipeline/console/lan.py) ---
OPERATOR_PASSWORD_MIN = 8  # characters; NIST SP 800-63B's floor for a memorised secret chosen by its user
LOGIN_FAILURES_ALLOWED = 5  # failed sign-ins per operator name or client address within LOGIN_WINDOW_S
LOGIN_WINDOW_S = 300.0  # seconds: 5 guesses per 5 minutes bounds online guessing to ~1 400 a day
LAN_SESSION_HOURS = 10.0  # hours a LAN session lasts: one school day, then sign in again
# argon2id cost of an operator's password hash: OWASP's password-storage minimum (19 MiB, 2
# passes, 1 lane), ~0.1 s on a school PC; the parameters are stored in each hash, so raising
# them later leaves existing hashes verifiable
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
# --- Jobs, uploads and the watch folder (pipeline/jobs, pipeline/console/returns.py) ---------
# A job's runner writes a heartbeat while it works; a running job whose heartbeat is older than
# JOB_STALE_SECONDS lost its runner (the console was closed or crashed) and is run again. The
# stale age is many heartbeats long, so a busy but living runner is never taken for dead.
JOB_HEARTBEAT_SECONDS = 2.0  # s between heartbeats of a running job
JOB_STALE_SECONDS = 30.0  # s without a heartbeat after which a running job counts as interrupted
JOB_POLL_SECONDS = 1.0  # s the runner waits between looks for queued work
JOB_PROGRESS_SECONDS = 0.5  # s, least time between two progress writes (a page is ~1-3 s of OCR)
# Uploads on the 交回 page are streamed to disk in chunks, never held in memory whole. A 300 dpi
# grey A4 page is ~1-2 MB as JPEG and ~25 MB as uncompressed TIFF; a class's stack of 50 forms
# fits in one 2 GB upload with room. The per-file limit sits far above a copier's 100-page PDF.
UPLOAD_CHUNK_BYTES = 1 * 2**20  # bytes read and written at a time
UPLOAD_MAX_FILE_BYTES = 512 * 2**20  # bytes, largest single uploaded file
UPLOAD_MAX_BATCH_BYTES = 4 * 2**30  # bytes, all files of one upload together
UPLOAD_MAX_FILES = 5000  # files in one upload (a school's whole return; the form post's field cap)
# The watch folder takes a file once its size and modification time stayed the same for
# WATCH_SETTLE_SECONDS (copiers write a scan in bursts a fraction of a second apart; SMB
# transfers pause up to ~1 s) and it can be opened for writing (on Windows a copier's open
# handle refuses that).
WATCH_SETTLE_SECONDS = 3.0  # s a file's size and mtime must stay unchanged before it is read
WATCH_POLL_SECONDS = 1.0  # s between looks at the folder
# Many schools, one district (pipeline/district/). `report merge` reads the 统计表 workbooks schools
# send; a clerk may have typed a rate over, rounded as the sheet shows it (one decimal of a percent).
DISTRICT_RATE_TOLERANCE = 0.0005  # share: a workbook's rate may differ this much from 人 ÷ 学生数 (half of 0.1 %)
# Scan ingest on a Dask cluster (pipeline/ingest/cluster.py, issue 14). Times are what a
# school's LAN and PCs need with room to spare; none of them bounds a page's reading time.
CLUSTER_ENV = "JIAFANG_CLUSTER"  # scheduler address used when `jiafang ingest --cluster` is not given
CLUSTER_CONNECT_TIMEOUT = 10.0  # s for the scheduler to answer (a LAN answers in ms; Dask's own default is 30 s)
CLUSTER_WORKER_WAIT = 30.0  # s for a first worker to join a scheduler that has none yet
CLUSTER_ENGINE_TIMEOUT = 120.0  # s for each worker to load the OCR engine (PP-OCRv4: ~1 s here; a slow PC with on-access virus scanning, tens of s)
# PostgreSQL (a district's shared database; pipeline/store/database.py)
DB_CONNECT_TIMEOUT = 5  # s to reach the server before saying it is down (a LAN answers in ms)
# Key of the advisory lock held while migrating a PostgreSQL schema, so two PCs running
# `jiafang init` at once upgrade it once ("jfan" in ASCII: any constant no other app uses).
PG_MIGRATION_LOCK = 0x6A66616E
# --- Review load (issue 12 review-load part; bench/review_load.py) ---
# Marks a handwritten 。 or ， is misread as by the recognizer (PP-OCRv4 on the synthetic hands:
# a 。 read as · ° ○ •, a ， as ’ ‘ ' or as a period), read in a handwritten narrative line, are
# never taken as read: the line waits for a person. A real middle dot (a minority name) or a
# decimal point costs its line a look, never a wrong value. Evidence (bench/review_load.py, 20
# forms, held-out AR PL UMing hand, seed 12, office scans): every error of the lines accepted
# before (4 of 474 characters, one-sided 95 % upper bound of the error rate 1.87 %) was a ， read
# as . or a 。 read as ·, at 0.93-1.0; these marks never sure, none is left. Tried and dropped:
# letting a 。 or ， keep its look-alikes' probability accepted more lines (uming 32 -> 47 with
# these marks never sure, no error), but on office seed 13 (40 forms) it let a line through whose
# 真 was read 眞 at 0.904: one narrative wrong `auto` for 0.06 fields per form less to review.
# 丶 (the radical, U+4E36) is how the recognizer reads a 、 in some hands (bench/dropped_radicals.py:
# two lines of the ../shared/seeds sentences set in AR PL UMing passed at 0.90 and 0.95 with it); it is
# never a word of running text.
NARRATIVE_MISREAD_MARKS = "·°○•．.’‘'丶"
NARRATIVE_MARK_MEANINGS = "。，、"  # what a misread mark stands for in handwritten running text, put in the draft by its frames
# The punctuation put in a misread mark's place (bench/narrative_lines.py office seed 21, 30 forms: 38
# lines better, none worse, at 0, 1e-3 and 1e-2 alike; the 。 and ， read as marks there and filled
# dots written for 。 get 4e-3 to 0.8 of the mark's probability, a printed name's middle dot ≤ 2e-4).
MARK_CORRECTION_MIN = 1e-3  # least share of the mark's probability its frames give the punctuation put in its place
