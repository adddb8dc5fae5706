/* upload-widget.js: cloudinary.createUploadWidget / openUploadWidget / applyUploadWidget, with the
   public API of Cloudinary's Upload Widget (options, instance methods, event names and payloads).
   Uploads go to edge's Upload API (uploadPrefix, default: where this script came from), in chunks
   with Content-Range + X-Unique-Upload-Id above maxChunkSize, as the SDKs' upload_large does. */

var UW_TEXT = {
  en: {
    title: "Upload files", close: "Close", minimize: "Minimize", expand: "Expand", or: "Or", back: "Back",
    menu: { files: "My Files", web: "Web Address", camera: "Camera" },
    local: { browse: "Browse", dd_title_single: "Drag and Drop an asset here", dd_title_multi: "Drag and Drop assets here",
      input_label: "Choose files to upload" },
    url: { inner_title: "Public URL of file to upload:", input_placeholder: "https://example.com/images/photo.jpg", upload: "Upload" },
    camera: { capture: "Capture", take_pic: "Take a picture and upload it", camera_error: "Failed to access camera",
      video_label: "Camera preview" },
    crop: { title: "Crop", crop_btn: "Crop", skip_btn: "Skip", image_label: "Image to crop", dimensions: "{{width}} × {{height}}" },
    advanced: { public_id: "Public ID", tags: "Tags (comma-separated)" },
    queue: { title: "Upload Queue", title_uploading_with_counter: "Uploading {{num}} assets", title_uploading_one: "Uploading 1 asset", done: "Done",
      abort_all: "Abort all", retry: "Retry", upload_more: "Upload more", mini_title: "Uploaded",
      mini_title_uploading: "Uploading", progress_label: "Upload progress of {{name}}",
      statuses: { queued: "Queued", uploading: "Uploading...", error: "Error", uploaded: "Done", aborted: "Aborted" } },
    errors: {
      file_too_large: "File size ({{size}}) exceeds maximum allowed ({{max}})",
      format: "File format not allowed ({{format}})",
      too_small: "Image is smaller than the minimum allowed ({{size}})",
      too_large: "Image is larger than the maximum allowed ({{size}})",
      max_files: "Too many files: at most {{max}} at a time",
      unreadable: "The image could not be read",
      network: "Network error"
    }
  }
};

var PALETTES = {
  default: { window: "#FFFFFF", windowBorder: "#90A0B3", tabIcon: "#0E2F5A", menuIcons: "#5A616A", textDark: "#000000",
    textLight: "#FFFFFF", link: "#0069D1", action: "#C4210F", inactiveTabIcon: "#4A5563", error: "#B3261E",
    inProgress: "#0064C8", complete: "#1E7A34", sourceBg: "#E4EBF1" },
  minimal: { window: "#FFFFFF", windowBorder: "#BDBDBD", tabIcon: "#000000", menuIcons: "#555555", textDark: "#000000",
    textLight: "#FFFFFF", link: "#0062D9", action: "#333333", inactiveTabIcon: "#555555", error: "#B3261E",
    inProgress: "#0062D9", complete: "#1E7A34", sourceBg: "#F5F5F5" },
  purple: { window: "#FFFFFF", windowBorder: "#9C8BB8", tabIcon: "#5B2A86", menuIcons: "#5B2A86", textDark: "#000000",
    textLight: "#FFFFFF", link: "#5B2A86", action: "#5B2A86", inactiveTabIcon: "#555555", error: "#B3261E",
    inProgress: "#5B2A86", complete: "#1E7A34", sourceBg: "#F1ECF7" }
};
PALETTES.white = PALETTES.minimal;

var SOURCES = ["local", "url", "camera"];
var IMAGE_FORMATS = ["jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "heif", "bmp", "tif", "tiff", "svg", "ico"];

function camel(key) { return key.replace(/_([a-z])/g, function (_, c) { return c.toUpperCase(); }); }

function normalise(options) {  // Cloudinary takes both cloud_name and cloudName
  var out = {};
  Object.keys(options || {}).forEach(function (k) { out[camel(k)] = options[k]; });
  return out;
}

function defaults() {
  return {
    cloudName: cld._cloudName, apiKey: cld._apiKey, sources: SOURCES.slice(), defaultSource: "local", multiple: true,
    maxChunkSize: 20000000, cropping: false, showSkipCropButton: true, croppingCoordinatesMode: "custom",
    resourceType: "auto", language: "en", uploadPrefix: EDGE.root, showAdvancedOptions: false,
    singleUploadAutoClose: true, theme: "default", autoMinimize: false, validateMaxWidthHeight: false
  };
}

function fill(template, values) {
  return String(template).replace(/\{\{(\w+)\}\}/g, function (_, k) { return values && k in values ? values[k] : ""; });
}

function humanBytes(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(n % 1048576 ? 1 : 0) + " MB";
  if (n >= 1024) return Math.round(n / 1024) + " KB";
  return n + " bytes";
}

function limitText(width, height) {
  if (width && height) return width + "×" + height + " px";
  return width ? width + " px wide" : height + " px high";
}

function extensionOf(name) {
  var clean = String(name).split(/[?#]/)[0];
  var dot = clean.lastIndexOf(".");
  return dot < 0 ? "" : clean.slice(dot + 1).toLowerCase();
}

function contextString(context) {
  if (!context || typeof context === "string") return context || "";
  return Object.keys(context).map(function (k) {
    return k + "=" + String(context[k]).replace(/([=|])/g, "\\$1");
  }).join("|");
}

function imageSize(file) {  // natural size, decoded by the browser; null when it cannot
  return new Promise(function (resolve) {
    var url = URL.createObjectURL(file);
    var img = new Image();
    img.onload = function () { URL.revokeObjectURL(url); resolve({ width: img.naturalWidth, height: img.naturalHeight, img: img }); };
    img.onerror = function () { URL.revokeObjectURL(url); resolve(null); };
    img.src = url;
  });
}

function UploadWidget(options, callback) {
  this._callback = typeof callback === "function" ? callback : function () {};
  this._options = merge(defaults(), normalise(options));
  this._files = [];
  this._state = { showing: false, minimized: false, destroyed: false, source: null, running: false };
  this._fileCount = 0;
  this._batchCount = 0;
  this._xhrs = {};
  this._applyTheme();
  this._build();
}

var UW = UploadWidget.prototype;

UW._t = function (path, values) {
  var lang = this._options.language || "en";
  var own = (this._options.text || {})[lang] || {};
  var fallback = UW_TEXT.en;
  var parts = path.split(".");
  function pick(root) { return parts.reduce(function (node, p) { return node && node[p]; }, root); }
  var found = pick(own);
  if (found === undefined) found = pick(fallback);
  return fill(found === undefined ? path : found, values);
};

UW._emit = function (event, info) {
  var result = info === undefined ? { event: event } : { event: event, info: info };
  try { this._callback(null, result); } catch (e) { console.error(e); }
};

UW._error = function (status, message) {
  var error = { status: status, statusText: message };
  try { this._callback(error, { event: "error", info: error }); } catch (e) { console.error(e); }
};

UW._applyTheme = function () {
  var o = this._options;
  var palette = merge(merge({}, PALETTES[o.theme] || PALETTES.default), (o.styles || {}).palette || {});
  var fonts = Object.keys((o.styles || {}).fonts || {});
  this._vars = Object.keys(palette).map(function (k) { return "--cldw-" + k + ":" + palette[k]; }).join(";") +
    (fonts.length ? ";--cldw-font:" + fonts[0] : "");
};

UW._build = function () {
  css("cldw-upload-css", UPLOAD_CSS);
  var self = this, o = this._options, inline = resolveElement(o.inlineContainer);
  this._inline = inline;
  var titleId = nextId("cldw-title");
  this._live = el("div", { class: "cldw-visually-hidden", role: "alert", "aria-live": "assertive" });
  this._notice = el("p", { class: "cldw-notice", hidden: true });
  this._tabs = el("div", { class: "cldw-tabs", role: "tablist", "aria-label": this._t("title") });
  this._panel = el("div", { class: "cldw-panel", role: "tabpanel", tabindex: "-1" });
  this._queue = el("ul", { class: "cldw-queue", "aria-label": this._t("queue.title") });
  this._actions = el("div", { class: "cldw-actions" });
  this._body = el("div", { class: "cldw-body" }, [this._tabs, this._panel, this._notice, this._queue, this._actions, this._live]);
  this._title = el("h2", { id: titleId, class: "cldw-title", text: this._t("title") });
  var header = el("div", { class: "cldw-header" }, [
    this._title,
    inline ? null : el("button", { type: "button", class: "cldw-icon", "aria-label": this._t("minimize"), "data-action": "minimize",
      text: "–", onclick: function () { self._state.minimized ? self._expand() : self.minimize(); } }),
    inline ? null : el("button", { type: "button", class: "cldw-icon", "aria-label": this._t("close"), "data-action": "close",
      text: "×", onclick: function () { self.close(); } })
  ]);
  this._dialog = el("div", { class: "cldw-dialog" + (inline ? " cldw-inline" : ""), style: this._vars,
    role: inline ? "region" : "dialog", "aria-modal": inline ? null : "true", "aria-labelledby": titleId }, [header, this._body]);
  this._root = inline ? this._dialog : el("div", { class: "cldw-overlay", hidden: true }, [this._dialog]);
  if (inline) this._root.hidden = true;
  (inline || document.body).appendChild(this._root);
  if (!inline) this._untrap = trapFocus(this._dialog, function () { self.close(); });
  this._root.addEventListener("dragover", function (e) { e.preventDefault(); });
  this._root.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) self._add(Array.prototype.slice.call(e.dataTransfer.files), "local");
  });
  this._renderTabs();
};

UW._sources = function () {
  return toList(this._options.sources).filter(function (s) {
    if (SOURCES.indexOf(s) >= 0) return true;
    console.warn("edge upload widget: source '" + s + "' is not supported; ignored");
    return false;
  });
};

UW._renderTabs = function () {
  var self = this, labels = { local: "menu.files", url: "menu.web", camera: "menu.camera" };
  var sources = this._sources();
  this._tabs.textContent = "";
  this._tabs.hidden = sources.length < 2;
  sources.forEach(function (s) {
    self._tabs.appendChild(el("button", { type: "button", role: "tab", class: "cldw-tab", "data-source": s,
      "aria-selected": String(self._state.source === s), text: self._t(labels[s]), onclick: function () { self._showSource(s); } }));
  });
};

UW._showSource = function (source) {
  var sources = this._sources();
  if (sources.indexOf(source) < 0) source = sources[0] || "local";
  var changed = this._state.source !== source;
  this._stopCamera();
  this._state.source = source;
  Array.prototype.forEach.call(this._tabs.children, function (tab) {
    tab.setAttribute("aria-selected", String(tab.getAttribute("data-source") === source));
  });
  this._panel.textContent = "";
  this._panel.appendChild(this["_" + source + "Panel"]());
  if (this._options.showAdvancedOptions) this._panel.appendChild(this._advancedPanel());
  if (changed) this._emit("source-changed", { source: source });
};

UW._localPanel = function () {
  var self = this, o = this._options, inputId = nextId("cldw-file");
  var input = el("input", { id: inputId, type: "file", class: "cldw-file-input", multiple: o.multiple !== false,
    accept: o.clientAllowedFormats ? toList(o.clientAllowedFormats).map(function (f) { return "." + f; }).join(",") : null,
    onchange: function () { self._add(Array.prototype.slice.call(input.files), "local"); input.value = ""; } });
  return el("div", { class: "cldw-drop" }, [
    el("p", { class: "cldw-drop-title", text: this._t(o.multiple === false ? "local.dd_title_single" : "local.dd_title_multi") }),
    el("p", { text: this._t("or") }),
    el("label", { for: inputId, class: "cldw-button cldw-primary", text: this._t("local.browse") }),
    el("span", { class: "cldw-visually-hidden" }, [el("label", { for: inputId, text: this._t("local.input_label") })]),
    input
  ]);
};

UW._urlPanel = function () {
  var self = this, inputId = nextId("cldw-url");
  var input = el("input", { id: inputId, type: "url", class: "cldw-text", placeholder: this._t("url.input_placeholder") });
  var form = el("form", { class: "cldw-url", onsubmit: function (e) {
    e.preventDefault();
    if (input.value.trim()) self._add([{ url: input.value.trim(), name: input.value.trim().split("/").pop() || "remote", size: 0, type: "" }], "url");
  } }, [el("label", { for: inputId, text: this._t("url.inner_title") }), input,
    el("button", { type: "submit", class: "cldw-button cldw-primary", text: this._t("url.upload") })]);
  return form;
};

UW._cameraPanel = function () {
  var self = this;
  var video = el("video", { class: "cldw-video", autoplay: true, playsinline: true, muted: true, "aria-label": this._t("camera.video_label") });
  var box = el("div", { class: "cldw-camera" }, [el("p", { text: this._t("camera.take_pic") }), video,
    el("button", { type: "button", class: "cldw-button cldw-primary", text: this._t("camera.capture"), onclick: function () {
      if (!video.videoWidth) return;
      var canvas = el("canvas", { width: video.videoWidth, height: video.videoHeight });
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        self._add([new File([blob], "camera-" + Date.now() + ".jpg", { type: "image/jpeg" })], "camera");
      }, "image/jpeg", 0.92);
    } })]);
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    navigator.mediaDevices.getUserMedia({ video: true }).then(function (stream) {
      self._stream = stream; video.srcObject = stream;
    }, function () { self._say(self._t("camera.camera_error"), true); });
  } else this._say(this._t("camera.camera_error"), true);
  return box;
};

UW._stopCamera = function () {
  if (this._stream) { this._stream.getTracks().forEach(function (t) { t.stop(); }); this._stream = null; }
};

UW._advancedPanel = function () {
  var self = this, pid = nextId("cldw-pid"), tid = nextId("cldw-tags"), o = this._options;
  return el("fieldset", { class: "cldw-advanced" }, [
    el("label", { for: pid, text: this._t("advanced.public_id") }),
    el("input", { id: pid, class: "cldw-text", value: o.publicId || "", onchange: function (e) {
      o.publicId = e.target.value.trim() || undefined;
      self._emit("publicid", { id: self._advancedId(), publicId: o.publicId || "" });
    } }),
    el("label", { for: tid, text: this._t("advanced.tags") }),
    el("input", { id: tid, class: "cldw-text", value: toList(o.tags).join(", "), onchange: function (e) {
      o.tags = toList(e.target.value);
      self._emit("tags", { tags: o.tags.slice() });
    } })
  ]);
};

UW._advancedId = function () { return "uw-file" + (this._fileCount + 1); };

UW._say = function (message, visible) {  // every message is announced; batch-level ones are shown too
  this._live.textContent = message;
  this._notice.textContent = visible ? message : "";
  this._notice.hidden = !visible;
};

// -- adding files: the client-side checks refuse before any byte is sent -----------------------

UW._add = function (files, source) {
  var self = this, o = this._options;
  if (!files.length) return;
  if (o.multiple === false) files = files.slice(0, 1);
  if (o.maxFiles && files.length > o.maxFiles) {
    this._say(this._t("errors.max_files", { max: o.maxFiles }), true);
    this._emit("batch-cancelled", { reason: "MAX_EXCEEDED" });
    return;
  }
  var before = typeof o.preBatch === "function" ? new Promise(function (resolve) {
    o.preBatch(resolve, { files: files.map(function (f) { return { name: f.name, type: f.type, size: f.size }; }) });
  }) : Promise.resolve({});
  before.then(function (answer) {
    if (answer && answer.cancel) return null;
    self._batchCount += 1;
    var batchId = "uw-batch" + self._batchCount;
    return Promise.all(files.map(function (file) { return self._check(file); })).then(function (problems) {
      var accepted = [];
      files.forEach(function (file, i) {
        self._fileCount += 1;
        var item = { id: "uw-file" + self._fileCount, batchId: batchId, file: file, name: file.name, size: file.size,
          type: file.type, source: source, status: "queued", progress: 0, done: false, failed: false, publicId: o.publicId };
        self._files.push(item);
        if (problems[i]) { self._fail(item, problems[i], true); return; }
        accepted.push(item);
        self._emit("upload-added", { file: file.url ? { name: file.name, url: file.url } : file, publicId: o.publicId });
      });
      self._renderQueue();
      if (!accepted.length) { self._say(problems.filter(Boolean).join(". ")); return null; }
      // Cropping works on one image at a time, as on Cloudinary (meant for multiple: false)
      if (o.cropping && accepted.length === 1 && !accepted[0].file.url && /^image\//.test(accepted[0].type)) {
        return self._crop(accepted[0]).then(function () { return self._run(accepted); });
      }
      return self._run(accepted);
    });
  });
};

UW._check = function (file) {
  var o = this._options, self = this;
  var format = extensionOf(file.name);
  var allowed = toList(o.clientAllowedFormats).map(function (f) { return f.toLowerCase(); });
  if (allowed.indexOf("image") >= 0) allowed = allowed.concat(IMAGE_FORMATS);
  if (allowed.length && allowed.indexOf(format) < 0 && !(format === "jpeg" && allowed.indexOf("jpg") >= 0) &&
      !(format === "jpg" && allowed.indexOf("jpeg") >= 0)) {
    return Promise.resolve(this._t("errors.format", { format: format || file.type || "?" }));
  }
  var isImage = /^image\//.test(file.type) || IMAGE_FORMATS.indexOf(format) >= 0;
  var max = (isImage ? o.maxImageFileSize : o.maxRawFileSize) || o.maxFileSize;
  if (max && file.size > max) return Promise.resolve(this._t("errors.file_too_large", { size: humanBytes(file.size), max: humanBytes(max) }));
  var dims = o.minImageWidth || o.minImageHeight || o.maxImageWidth || o.maxImageHeight;
  if (!dims || !isImage || file.url) return Promise.resolve(null);
  return imageSize(file).then(function (size) {
    if (!size) return self._t("errors.unreadable");
    if ((o.minImageWidth && size.width < o.minImageWidth) || (o.minImageHeight && size.height < o.minImageHeight)) {
      return self._t("errors.too_small", { size: limitText(o.minImageWidth, o.minImageHeight) });
    }
    var over = (o.maxImageWidth && size.width > o.maxImageWidth) || (o.maxImageHeight && size.height > o.maxImageHeight);
    if (over && o.validateMaxWidthHeight) {
      return self._t("errors.too_large", { size: limitText(o.maxImageWidth, o.maxImageHeight) });
    }
    return null;  // larger without validateMaxWidthHeight: scaled down before upload, as Cloudinary does
  });
};

UW._scaled = function (item) {  // maxImageWidth/Height without validateMaxWidthHeight: shrink in the browser
  var o = this._options, file = item.file;
  if (!(o.maxImageWidth || o.maxImageHeight) || file.url || !/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
  return imageSize(file).then(function (size) {
    if (!size) return file;
    var scale = Math.min(1, (o.maxImageWidth || Infinity) / size.width, (o.maxImageHeight || Infinity) / size.height);
    if (scale >= 1) return file;
    var canvas = el("canvas", { width: Math.round(size.width * scale), height: Math.round(size.height * scale) });
    canvas.getContext("2d").drawImage(size.img, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(function (blob) { resolve(blob ? new File([blob], file.name, { type: file.type }) : file); }, file.type, 0.92);
    });
  });
};

// -- cropping (Cropper.js, loaded on first use) ------------------------------------------------

UW._crop = function (item) {
  var self = this, o = this._options;
  stylesheet(VENDOR + "cropperjs-1.6.2/cropper.min.css");
  return vendorModule("cropperjs-1.6.2/cropper.esm.js").then(function (module) {
    var Cropper = module.default;
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(item.file);
      var dims = el("p", { class: "cldw-dims", "aria-live": "polite" });
      var img = el("img", { src: url, alt: self._t("crop.image_label"), class: "cldw-crop-image" });
      var cropper;
      function finish(coordinates) {
        if (cropper) cropper.destroy();
        URL.revokeObjectURL(url);
        item.coordinates = coordinates;
        self._showSource(self._state.source || o.defaultSource);
        resolve();
      }
      var buttons = [el("button", { type: "button", class: "cldw-button cldw-primary", "data-action": "crop", text: self._t("crop.crop_btn"),
        onclick: function () {
          var d = cropper.getData(true);
          finish([d.x, d.y, d.width, d.height].join(","));
        } })];
      if (o.showSkipCropButton !== false) {
        buttons.push(el("button", { type: "button", class: "cldw-button", "data-action": "skip", text: self._t("crop.skip_btn"),
          onclick: function () { finish(null); } }));
      }
      self._panel.textContent = "";
      self._panel.appendChild(el("div", { class: "cldw-crop" }, [el("h3", { text: self._t("crop.title") }),
        el("div", { class: "cldw-crop-area" }, [img]), o.croppingShowDimensions ? dims : null, el("div", { class: "cldw-row" }, buttons)]));
      cropper = new Cropper(img, {
        aspectRatio: o.croppingAspectRatio || NaN, viewMode: 1, autoCropArea: 1,
        crop: function (e) { dims.textContent = self._t("crop.dimensions", { width: Math.round(e.detail.width), height: Math.round(e.detail.height) }); }
      });
      buttons[0].focus();
    });
  });
};

// -- uploading ---------------------------------------------------------------------------------

UW._run = function (items) {
  var self = this;
  if (this._options.autoMinimize) this.minimize();
  this._emit("queues-start");
  this._state.running = true;
  this._renderQueue();
  return items.reduce(function (chain, item) {
    return chain.then(function () { return item.status === "queued" ? self._upload(item) : null; });
  }, Promise.resolve()).then(function () {
    self._state.running = false;
    self._renderQueue();
    self._emit("queues-end", { files: self._files.map(self._describe) });
    if (self._options.multiple === false && self._options.singleUploadAutoClose !== false &&
        items.every(function (i) { return i.status === "success"; })) self.close({ quiet: false });
  });
};

UW._describe = function (item) {
  return { id: item.id, batchId: item.batchId, name: item.name, size: item.size, type: item.type, status: item.status,
    progress: item.progress, done: item.done, failed: item.failed, aborted: item.status === "aborted",
    uploadInfo: item.uploadInfo || null, publicId: item.publicId, statusText: item.error || null };
};

UW._params = function (item) {
  var o = this._options, params = { source: "uw" };
  if (o.uploadPreset) params.upload_preset = o.uploadPreset;
  if (o.folder) params.folder = o.folder;
  if (o.publicId) params.public_id = o.publicId;
  if (toList(o.tags).length) params.tags = toList(o.tags).join(",");
  if (o.context) params.context = contextString(o.context);
  if (item.coordinates) params[o.croppingCoordinatesMode === "face" ? "face_coordinates" : "custom_coordinates"] = item.coordinates;
  return params;
};

UW._prepared = function (item, params) {
  var o = this._options;
  var prepare = typeof o.prepareUploadParams === "function" ? new Promise(function (resolve) {
    o.prepareUploadParams(resolve, merge({ filename: item.name, type: item.type, size: item.size }, params));
  }).then(function (extra) {
    extra = Array.isArray(extra) ? extra[0] : extra;
    Object.keys(extra || {}).forEach(function (k) {
      if (k === "uploadSignature" || k === "signature") return;
      var v = extra[k];
      params[k] = Array.isArray(v) ? v.join(",") : k === "context" ? contextString(v) : v;
    });
    return extra || {};
  }) : Promise.resolve({});
  return prepare.then(function (extra) {
    if (extra.uploadSignature || extra.signature) {  // prepareUploadParams may sign, as on Cloudinary
      params.signature = extra.uploadSignature || extra.signature;
      params.api_key = extra.apiKey || extra.api_key || o.apiKey;
      if (extra.timestamp || extra.uploadSignatureTimestamp) params.timestamp = extra.timestamp || extra.uploadSignatureTimestamp;
      return params;
    }
    if (!o.uploadSignature) return params;
    params.api_key = o.apiKey;
    if (typeof o.uploadSignature === "string") {
      params.timestamp = o.uploadSignatureTimestamp;
      params.signature = o.uploadSignature;
      return params;
    }
    params.timestamp = Math.round(Date.now() / 1000);
    var toSign = {};
    Object.keys(params).forEach(function (k) { if (k !== "api_key") toSign[k] = params[k]; });
    return new Promise(function (resolve) { o.uploadSignature(resolve, toSign); }).then(function (signature) {
      params.signature = signature;
      return params;
    });
  });
};

UW._endpoint = function (item) {
  var o = this._options, type = o.resourceType || "auto";
  if (type === "auto") type = item.file.url || /^image\//.test(item.type) || IMAGE_FORMATS.indexOf(extensionOf(item.name)) >= 0 ? "image" : "raw";
  return String(o.uploadPrefix).replace(/\/$/, "") + "/v1_1/" + encodeURIComponent(o.cloudName) + "/" + type + "/upload";
};

UW._upload = function (item) {
  var self = this;
  item.status = "uploading";
  this._renderQueue();
  return this._scaled(item).then(function (file) {
    return self._prepared(item, self._params(item)).then(function (params) {
      var chunk = Math.max(5000000, Number(self._options.maxChunkSize) || 20000000);
      if (!file.url && file.size > chunk) return self._chunked(item, file, params, chunk);
      return self._post(item, params, file.url || file, file.url ? null : file.name, {}, 0, file.size || 1);
    });
  }).then(function (info) {
    item.status = "success"; item.done = true; item.progress = 100; item.uploadInfo = info;
    if (info && info.public_id) item.publicId = info.public_id;
    self._renderQueue();
    self._emit("success", info);
  }, function (error) {
    if (item.status === "aborted") return;
    self._fail(item, error.message, false, error.status);
  });
};

UW._chunked = function (item, file, params, size) {
  var self = this, uniqueId = "uw-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  var starts = [];
  for (var start = 0; start < file.size; start += size) starts.push(start);
  return starts.reduce(function (chain, start) {
    return chain.then(function () {
      var end = Math.min(start + size, file.size) - 1;
      var headers = { "X-Unique-Upload-Id": uniqueId, "Content-Range": "bytes " + start + "-" + end + "/" + file.size };
      return self._post(item, params, file.slice(start, end + 1), file.name, headers, start, file.size);
    });
  }, Promise.resolve());
};

UW._post = function (item, params, body, filename, headers, offset, total) {
  var self = this, url = this._endpoint(item);
  return new Promise(function (resolve, reject) {
    var form = new FormData();
    Object.keys(params).forEach(function (k) { if (params[k] !== undefined && params[k] !== "") form.append(k, params[k]); });
    if (filename) form.append("file", body, filename); else form.append("file", body);
    var xhr = new XMLHttpRequest();
    self._xhrs[item.id] = xhr;
    xhr.open("POST", url);
    Object.keys(headers).forEach(function (h) { xhr.setRequestHeader(h, headers[h]); });
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      item.progress = Math.min(99, Math.round(100 * (offset + e.loaded * ((body.size || 0) / e.total || 0)) / total));
      self._progress(item);
    };
    xhr.onload = function () {
      delete self._xhrs[item.id];
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status >= 200 && xhr.status < 300 && answer) return resolve(answer);
      var message = (answer && answer.error && answer.error.message) || xhr.getResponseHeader("X-Cld-Error") || xhr.statusText;
      reject({ status: xhr.status, message: message || self._t("errors.network") });
    };
    xhr.onerror = function () { delete self._xhrs[item.id]; reject({ status: 0, message: self._t("errors.network") }); };
    xhr.onabort = function () { delete self._xhrs[item.id]; reject({ status: 0, message: "aborted" }); };
    xhr.send(form);
  });
};

UW._fail = function (item, message, local, status) {
  item.status = "failed"; item.failed = true; item.done = true; item.error = message; item.localError = !!local;
  this._renderQueue();
  this._say(message);
  if (!local) this._error(status || 0, message);
};

UW._abort = function (ids) {
  var self = this, all = !ids;
  var targets = this._files.filter(function (f) {
    return (all || ids.indexOf(f.id) >= 0) && (f.status === "queued" || f.status === "uploading");
  });
  targets.forEach(function (f) {
    f.status = "aborted"; f.done = true;
    if (self._xhrs[f.id]) self._xhrs[f.id].abort();
  });
  this._renderQueue();
  this._emit("abort", { ids: targets.map(function (f) { return f.id; }), all: all });
};

UW._retry = function (ids) {
  var all = !ids;
  var targets = this._files.filter(function (f) { return f.status === "failed" && f.file && (all || ids.indexOf(f.id) >= 0) && !f.localError; });
  if (!targets.length) return;
  targets.forEach(function (f) { f.status = "queued"; f.failed = false; f.done = false; f.error = null; f.progress = 0; });
  this._emit("retry", { ids: targets.map(function (f) { return f.id; }), all: all });
  this._run(targets);
};

UW._progress = function (item) {
  var bar = this._queue.querySelector('[data-id="' + item.id + '"] [role=progressbar]');
  if (bar) { bar.setAttribute("aria-valuenow", String(item.progress)); bar.firstChild.style.width = item.progress + "%"; }
};

UW._renderQueue = function () {
  var self = this, labels = { queued: "queued", uploading: "uploading", success: "uploaded", failed: "error", aborted: "aborted" };
  this._queue.textContent = "";
  this._files.forEach(function (item) {
    var row = el("li", { class: "cldw-item cldw-" + item.status, "data-id": item.id, "data-status": item.status }, [
      el("span", { class: "cldw-name", text: item.name }),
      el("span", { class: "cldw-status", text: self._t("queue.statuses." + labels[item.status]) }),
      el("div", { class: "cldw-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
        "aria-valuenow": String(item.progress), "aria-label": self._t("queue.progress_label", { name: item.name }) },
        [el("span", { style: "width:" + item.progress + "%" })]),
      item.error ? el("p", { class: "cldw-error", text: item.error }) : null,
      item.status === "failed" && !item.localError && item.file ? el("button", { type: "button", class: "cldw-button", "data-action": "retry",
        text: self._t("queue.retry"), onclick: function () { self._retry([item.id]); } }) : null
    ]);
    self._queue.appendChild(row);
  });
  var active = this._files.filter(function (f) { return f.status === "uploading" || f.status === "queued"; }).length;
  this._title.textContent = !active ? this._t("title") :
    active === 1 ? this._t("queue.title_uploading_one") : this._t("queue.title_uploading_with_counter", { num: active });
  this._actions.textContent = "";
  if (active) {
    this._actions.appendChild(el("button", { type: "button", class: "cldw-button", "data-action": "abort",
      text: this._t("queue.abort_all"), onclick: function () { self._abort(); } }));
  } else if (this._files.length && !this._inline) {
    this._actions.appendChild(el("button", { type: "button", class: "cldw-button cldw-primary", "data-action": "done",
      text: this._t("queue.done"), onclick: function () { self.close(); } }));
  }
};

// -- instance methods (Cloudinary's names) -----------------------------------------------------

UW.open = function (source, options) {
  if (this._state.destroyed) return this;
  if (options) this.update(options);
  this._restoreFocus = document.activeElement;
  this._showSource(source || this._state.source || this._options.defaultSource);
  this._root.hidden = false;
  this._state.minimized = false;
  this._dialog.classList.remove("cldw-minimized");
  if (!this._state.showing) { this._state.showing = true; this._emit("display-changed", "shown"); }
  var first = this._panel.querySelector("label.cldw-button, button, input:not(.cldw-file-input)");
  if (!this._inline && first) first.focus();
  return this;
};

UW.close = function (options) {
  if (this._state.destroyed || !this._state.showing) return this;
  this._stopCamera();
  this._root.hidden = true;
  this._state.showing = false;
  if (!(options && options.quiet)) this._emit("close", { message: "Widget was closed by user" });
  this._emit("display-changed", "hidden");
  if (this._restoreFocus && this._restoreFocus.focus) this._restoreFocus.focus();
  return this;
};

UW.hide = function () {
  if (this._state.destroyed || !this._state.showing) return this;
  this._root.hidden = true;
  this._state.showing = false;
  this._emit("display-changed", "hidden");
  return this;
};

UW.show = function () {
  if (this._state.destroyed || this._state.showing) return this;
  this._root.hidden = false;
  this._state.showing = true;
  this._emit("display-changed", "shown");
  return this;
};

UW.minimize = function () {
  if (this._state.destroyed || this._state.minimized) return this;
  this._state.minimized = true;
  this._dialog.classList.add("cldw-minimized");
  this._root.classList.add("cldw-overlay-minimized");
  this._emit("display-changed", "minimized");
  return this;
};

UW._expand = function () {
  this._state.minimized = false;
  this._dialog.classList.remove("cldw-minimized");
  this._root.classList.remove("cldw-overlay-minimized");
  this._emit("display-changed", "expanded");
};

UW.update = function (options) {
  var wasShowing = this._state.showing;
  merge(this._options, normalise(options));
  this._applyTheme();
  this._dialog.setAttribute("style", this._vars);
  this._renderTabs();
  if (wasShowing) this._showSource(this._state.source);
  return this;
};

UW.destroy = function (options) {
  if (this._state.destroyed) return Promise.resolve();
  if (this._files.some(function (f) { return f.status === "queued" || f.status === "uploading"; })) this._abort();
  if (this._state.showing) this.close(options && options.removeThumbnails === false ? {} : { quiet: true });
  this._stopCamera();
  if (this._untrap) this._untrap();
  this._root.remove();
  this._state.destroyed = true;
  return Promise.resolve();
};

UW.isShowing = function () { return this._state.showing; };
UW.isMinimized = function () { return this._state.minimized; };
UW.isDestroyed = function () { return this._state.destroyed; };

cld.setCloudName = function (name) { cld._cloudName = name; };
cld.setAPIKey = function (key) { cld._apiKey = key; };
cld.createUploadWidget = function (options, callback) { return new UploadWidget(options, callback); };
cld.openUploadWidget = function (options, callback) { return new UploadWidget(options, callback).open(); };
cld.applyUploadWidget = function (element, options, callback) {
  var target = resolveElement(element), widget = new UploadWidget(options, callback);
  var o = normalise(options);
  var button = target && target.tagName === "BUTTON" ? target : el("button", { type: "button", class: o.buttonClass || "cloudinary-button",
    text: o.buttonCaption || "Upload files" });
  if (target && button !== target) target.appendChild(button);
  button.addEventListener("click", function (e) { e.preventDefault(); widget.open(); });
  return widget;
};

var UPLOAD_CSS = [
  ".cldw-overlay{position:fixed;inset:0;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000}",
  ".cldw-overlay[hidden],.cldw-dialog[hidden],.cldw-dialog [hidden]{display:none!important}",
  ".cldw-overlay.cldw-overlay-minimized{inset:auto 16px 16px auto;background:none}",
  ".cldw-dialog{box-sizing:border-box;font:15px/1.4 var(--cldw-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);color:var(--cldw-textDark);background:var(--cldw-window);border:1px solid var(--cldw-windowBorder);border-radius:8px;width:min(640px,94vw);max-height:90vh;overflow:auto;box-shadow:0 10px 40px rgba(0,0,0,.3)}",
  ".cldw-dialog.cldw-inline{width:100%;box-shadow:none;max-height:none}",
  ".cldw-dialog.cldw-minimized{width:300px}.cldw-dialog.cldw-minimized .cldw-body{display:none}",
  ".cldw-header{display:flex;align-items:center;gap:8px;padding:10px 14px;border-bottom:1px solid var(--cldw-windowBorder)}",
  ".cldw-title{flex:1;margin:0;font-size:17px;color:var(--cldw-textDark)}",
  ".cldw-icon{border:0;background:none;font-size:22px;line-height:1;width:34px;height:34px;border-radius:4px;cursor:pointer;color:var(--cldw-menuIcons)}",
  ".cldw-body{padding:14px}.cldw-tabs{display:flex;gap:4px;margin-bottom:12px;border-bottom:1px solid var(--cldw-windowBorder)}",
  ".cldw-tab{border:0;background:none;padding:8px 12px;cursor:pointer;color:var(--cldw-inactiveTabIcon);font:inherit;border-bottom:3px solid transparent}",
  ".cldw-tab[aria-selected=true]{color:var(--cldw-tabIcon);border-bottom-color:var(--cldw-tabIcon);font-weight:600}",
  ".cldw-drop{border:2px dashed var(--cldw-windowBorder);background:var(--cldw-sourceBg);border-radius:6px;padding:28px;text-align:center}",
  ".cldw-drop-title{font-size:18px;margin:0 0 4px}",
  ".cldw-file-input{position:absolute;width:1px;height:1px;opacity:0;overflow:hidden}",
  ".cldw-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
  ".cldw-button{display:inline-block;border:1px solid var(--cldw-windowBorder);background:var(--cldw-window);color:var(--cldw-textDark);padding:8px 16px;border-radius:4px;font:inherit;cursor:pointer}",
  ".cldw-primary{background:var(--cldw-action);border-color:var(--cldw-action);color:var(--cldw-textLight)}",
  ".cldw-button:focus-visible,.cldw-icon:focus-visible,.cldw-tab:focus-visible,.cldw-text:focus-visible,.cldw-file-input:focus-visible+*{outline:3px solid var(--cldw-link);outline-offset:2px}",
  ".cldw-drop:focus-within label.cldw-button{outline:3px solid var(--cldw-link);outline-offset:2px}",
  ".cldw-url{display:grid;gap:8px}.cldw-text{font:inherit;padding:8px;border:1px solid var(--cldw-windowBorder);border-radius:4px}",
  ".cldw-advanced{display:grid;gap:6px;margin-top:12px;border:1px solid var(--cldw-windowBorder);border-radius:4px}",
  ".cldw-video{width:100%;max-height:320px;background:#000}",
  ".cldw-queue{list-style:none;padding:0;margin:12px 0 0;display:grid;gap:8px}",
  ".cldw-item{display:grid;grid-template-columns:1fr auto;gap:4px 10px;padding:8px;border:1px solid var(--cldw-windowBorder);border-radius:4px}",
  ".cldw-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
  ".cldw-progress{grid-column:1/-1;height:6px;background:var(--cldw-sourceBg);border-radius:3px;overflow:hidden}",
  ".cldw-progress span{display:block;height:100%;background:var(--cldw-inProgress)}",
  ".cldw-success .cldw-progress span{background:var(--cldw-complete)}.cldw-success .cldw-status{color:var(--cldw-complete)}",
  ".cldw-failed .cldw-status,.cldw-error{color:var(--cldw-error)}.cldw-error{grid-column:1/-1;margin:0}",
  ".cldw-failed .cldw-progress span,.cldw-aborted .cldw-progress span{background:var(--cldw-error)}",
  ".cldw-item .cldw-button{grid-column:1/-1;justify-self:start;padding:4px 12px}",
  ".cldw-actions{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}",
  ".cldw-notice{margin:10px 0 0;color:var(--cldw-error)}",
  ".cldw-crop-area{max-height:50vh}.cldw-crop-image{display:block;max-width:100%}",
  ".cldw-row{display:flex;gap:8px;margin-top:10px}.cldw-dims{margin:6px 0 0}"
].join("\n");
