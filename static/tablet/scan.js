/* The scan page: read an asset's QR label with the camera (BarcodeDetector where the browser has
 * it, the vendored jsQR otherwise) or from a picture of the label, then open /tablet/scan/?code=…,
 * which finds the asset (a label's URL, a tablet asset URL or the bare tag) and shows it. */
(function () {
  "use strict";

  var gettext = window.gettext || function (s) { return s; };
  var form = document.getElementById("scan-form");
  var video = document.getElementById("scan-video");
  var wrap = document.getElementById("scan-video-wrap");
  var startButton = document.getElementById("scan-start");
  var stopButton = document.getElementById("scan-stop");
  var status = document.getElementById("scan-status");
  var fileInput = document.getElementById("scan-file");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;
  var detector = null;
  var opening = false;

  if ("BarcodeDetector" in window) {
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      detector = null;
    }
  }

  function say(text) { status.textContent = text; }

  function open(code) {
    if (opening) return;
    opening = true;
    stop();
    say(gettext("Label read: opening the asset…"));
    window.location.assign(form.action + "?code=" + encodeURIComponent(code));
  }

  function draw(source, width, height) {
    // Scanners need no more than about 1000 pixels across; smaller is faster on a tablet.
    var scale = Math.min(1, 1024 / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
  }

  function decode() {
    var viaDetector = detector
      ? detector.detect(canvas).then(function (codes) { return codes.length ? codes[0].rawValue : null; }, function () { return null; })
      : Promise.resolve(null);
    return viaDetector.then(function (code) {
      if (code || !window.jsQR) return code;
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
      return found && found.data ? found.data : null;
    });
  }

  function tick() {
    if (!stream || video.readyState < 2) return;
    draw(video, video.videoWidth, video.videoHeight);
    decode().then(function (code) { if (code) open(code); });
  }

  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    wrap.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  startButton.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(gettext("This browser cannot open the camera on this page (it needs a secure connection). Take a picture of the label or type the tag."));
      return;
    }
    say(gettext("Opening the camera…"));
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      wrap.hidden = false;
      startButton.hidden = true;
      stopButton.hidden = false;
      return video.play();
    }).then(function () {
      say(gettext("Point the camera at the asset's QR label."));
      timer = window.setInterval(tick, 250);
    }).catch(function () {
      stop();
      say(gettext("The camera could not be opened. Take a picture of the label or type the tag."));
    });
  });

  stopButton.addEventListener("click", function () { stop(); say(""); });

  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    if (!file) return;
    say(gettext("Reading the picture…"));
    var url = URL.createObjectURL(file);
    var image = new Image();
    image.onload = function () {
      draw(image, image.naturalWidth, image.naturalHeight);
      URL.revokeObjectURL(url);
      decode().then(function (code) {
        if (code) open(code);
        else say(gettext("No QR code was found in this picture. Take it again closer, or type the tag."));
      });
    };
    image.onerror = function () {
      URL.revokeObjectURL(url);
      say(gettext("This file is not a picture the browser can read."));
    };
    image.src = url;
  });

  window.addEventListener("pagehide", stop);
})();
