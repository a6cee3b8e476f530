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
