// scan.js — the camera scanner the pages share: where the browser can read barcodes itself
// (BarcodeDetector: QR, DataMatrix, GS1-128), a button starts the camera and every code read
// is handed on; elsewhere the button stays hidden and people type or paste the code. Its words
// are every page's; a page may word them its own way (the console's continuous scan).
import { words } from "./common.js";

words(
  {
    "scan.start": "扫码",
    "scan.stop": "停止扫码",
    "scan.video": "摄像头画面",
    "scan.denied": "无法打开摄像头：{why}。也可以直接输入追溯码。",
    "scan.looking": "请将条码或二维码对准摄像头……",
  },
  {
    "scan.start": "Scan",
    "scan.stop": "Stop scanning",
    "scan.video": "Camera view",
    "scan.denied": "The camera could not be opened: {why}. You can type the code instead.",
    "scan.looking": "Point the camera at the barcode or QR code…",
  },
);

// parts: {start, stop, box, video} elements; onCode(text) gets each code read (once while it
// stays in view); onError(message) gets why the camera could not open. With continuous the
// camera keeps reading after a code (a seller scanning a box of goods), else it stops.
export function scanner(parts, onCode, onError, continuous = false) {
  if (!("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia)) return;
  let stream = null;
  let last = "";
  const stop = () => {
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    parts.box.classList.add("hidden");
  };
  const start = async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      return onError(e.message || e.name);
    }
    const detector = new BarcodeDetector({ formats: ["qr_code", "data_matrix", "code_128"] });
    parts.box.classList.remove("hidden");
    parts.video.srcObject = stream;
    await parts.video.play();
    const tick = async () => {
      if (!stream) return;
      try {
        const found = await detector.detect(parts.video);
        if (found.length && found[0].rawValue !== last) {
          last = found[0].rawValue;
          if (!continuous) stop();
          onCode(last);
        }
      } catch (e) {
        /* a frame the detector could not read: try the next */
      }
      requestAnimationFrame(tick);
    };
    tick();
  };
  parts.start.classList.remove("hidden");
  parts.start.addEventListener("click", start);
  parts.stop.addEventListener("click", stop);
}
