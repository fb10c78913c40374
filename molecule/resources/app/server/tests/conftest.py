import os
import tempfile

# Settings are read at import time, from the environment only: point the data
# directories somewhere writable before the app is imported.
_tmp = tempfile.mkdtemp(prefix="stand-in-tests-")
os.environ.setdefault("OUTPUT_AUDIO_DIR", os.path.join(_tmp, "output_audio"))
os.environ.setdefault("INPUT_DIR", os.path.join(_tmp, "input"))
