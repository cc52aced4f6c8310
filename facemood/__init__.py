"""facemood: learn your own facial expressions and play music for your mood.

The way a frame travels (nothing flows back up):
sources -> landmarks -> rows -> (dataset when recording | model + moods when inferring) -> window/stdout.
Inference needs numpy, OpenCV and MediaPipe only; TensorFlow is imported by training alone.
"""

import os as _os

__version__ = "0.1.0"

# FFmpeg (inside OpenCV) prints its own complaints about unreadable videos to stderr; we report those
# in one line of our own. Must be set before OpenCV opens its first video.
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
