"""Whether a phone photo is good enough to read, and how to take it again when it is not.

Each photo that cannot be read gets one sentence a teacher can act on (the issue's "retake
advice"): it ends the quarantine reason, so the ingest summary and the review station's
quarantine list show it as it is.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipeline import defs
from pipeline.model.form import PageDef
from pipeline.scan.geometry import mm_to_px

RETAKE_BLUR = "请拿稳手机，先点一下屏幕上的纸面对好焦，再正对纸面重拍"
RETAKE_SMALL = "请靠近一些，让整张纸占满取景框，再正对纸面重拍"
RETAKE_GLARE = "请避开灯光直射、不要开闪光灯，换个角度让纸面不反光后重拍"
RETAKE_CORNER = "请在光线均匀处正对纸面重拍，四个角的方块都要拍进去"
RETAKE_SIDE = "请翻到印有二维码和四角方块的正面，在光线均匀处正对纸面重拍"
RETAKE_FLAT = "请把纸压平（可压在书下抚平折痕），在光线均匀处正对纸面重拍"
RETAKE_MIRROR = "请用手机后置摄像头、关闭镜像后正对纸面重拍"
RETAKE_COMPRESSED = "请发送原图（微信中勾选“原图”），或从手机相册直接上传原照片，不要先贴进 Word 或转成 PDF"
GLARE_DOUBT = "照片反光遮住了此栏的一部分，请对照原照片核对"


def photo_reason(problem: str, advice: str) -> str:
    """A quarantine reason for a photo: what is wrong, then the one sentence on retaking it."""
    return f"手机照片无法读取（{problem}）：{advice}"


def retake(photo: np.ndarray, problem: str, advice: str) -> tuple[str, str]:
    """(problem, advice) for a photo with too few pixels on the sheet or too little sharpness:
    a picture shrunk after it was taken (a chat app's compression, a PDF export's) has both, and is sent again
    as the original; else ``advice``, how to take it again."""
    height, width = photo.shape[:2]
    if max(height, width) < defs.PHOTO_CAMERA_MIN_PX:
        return f"{problem}；整张照片只有 {width}×{height} 像素，多半经聊天软件或转成 PDF 时压缩", RETAKE_COMPRESSED
    return problem, advice


def sharpness(registered: np.ndarray, form_page: PageDef) -> float:
    """Variance of the Laplacian over the page's framed area (rectified, light flattened).

    Measured on the page in template space, so near and far photos compare alike.
    """
    boxes = [f.box for f in form_page.fields] or [form_page.qr_box]
    top, bottom = mm_to_px(min(b.y for b in boxes)), mm_to_px(max(b.bottom for b in boxes))
    left, right = mm_to_px(min(b.x for b in boxes)), mm_to_px(max(b.right for b in boxes))
    region = registered[top:bottom, left:right]
    return float(cv2.Laplacian(region, cv2.CV_32F).var()) if region.size else 0.0


def edge_width(photo: np.ndarray) -> float:
    """How wide (px, a Gaussian sigma) the sharpest edges of an unregistered photo are spread.

    A step of contrast C blurred by sigma has its steepest slope C / (sigma * sqrt(2 pi)); the
    steepest slopes and the widest contrast of the photo stand in for both.
    """
    grey = photo.astype(np.float32)
    slope = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)) / 8
    # Every third pixel each way: edges run for many pixels, and a 12 MP percentile is slow.
    steepest = float(np.percentile(slope[::3, ::3], 99.95))
    low, high = np.percentile(grey[::3, ::3], (1, 99))
    return math.inf if steepest <= 0 else float(high - low) / (steepest * math.sqrt(2 * math.pi))


def is_blurred(photo: np.ndarray) -> bool:
    """Whether a photo that did not register is out of focus (rather than not our form's front)."""
    return edge_width(photo) > defs.PHOTO_MAX_EDGE_WIDTH
