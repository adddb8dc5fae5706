/* product-gallery.js: cloudinary.galleryWidget(options) with render/update/destroy/on, after
   Cloudinary's Product Gallery. Images by tag come from the `list` delivery type
   (/<cloud>/image/list/<tag>.json); every image is an f_auto,q_auto URL sized to the container
   (device pixels, in 100 px steps so caches stay warm). The zoom is PhotoSwipe, loaded on first use. */

var PG_TEXT = { gallery: "Product gallery", previous: "Previous image", next: "Next image", zoom: "Zoom image",
  show: "Show image {{n}} of {{count}}", empty: "No images", error: "The images could not be loaded" };
var RATIOS = { square: 1, "1:1": 1, "3:4": 3 / 4, "4:3": 4 / 3, "4:6": 4 / 6, "6:4": 6 / 4, "5:7": 5 / 7, "7:5": 7 / 5,
  "5:8": 5 / 8, "8:5": 8 / 5, "9:16": 9 / 16, "16:9": 16 / 9 };
var SHORT = { crop: "c", gravity: "g", background: "b", effect: "e", quality: "q", radius: "r", angle: "a", border: "bo",
  opacity: "o", color: "co", x: "x", y: "y", zoom: "z", aspectRatio: "ar", aspect_ratio: "ar", dpr: "dpr", flags: "fl",
  width: "w", height: "h", prefix: "p", overlay: "l", underlay: "u", namedTransformation: "t" };

function pgText(key, values) { return String(PG_TEXT[key]).replace(/\{\{(\w+)\}\}/g, function (_, k) { return values[k]; }); }

function transformationString(t) {  // {crop: "pad", background: "white"} or "c_pad,b_white" or [..] (chained)
  if (!t) return "";
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return t.map(transformationString).filter(Boolean).join("/");
  return Object.keys(t).filter(function (k) { return SHORT[k] && t[k] !== undefined && t[k] !== ""; })
    .map(function (k) { return SHORT[k] + "_" + t[k]; }).sort().join(",");
}

function Gallery(options) {
  this._handlers = {};
  this._options = {};
  this._current = 0;
  this._assets = [];
  this._set(options);
}

var PG = Gallery.prototype;

PG._set = function (options) {
  var normal = {};
  Object.keys(options || {}).forEach(function (k) { normal[k.replace(/_([a-z])/g, function (_, c) { return c.toUpperCase(); })] = options[k]; });
  this._options = merge(merge({ aspectRatio: "square", carouselLocation: "bottom", carouselStyle: "thumbnails", zoom: true,
    zoomProps: { type: "popup", level: 2 }, thumbnailProps: { width: 64, height: 64 }, navigation: "always", mediaAssets: [] },
    this._options), normal);
  if (normal.mediaAssets) this._options.mediaAssets = normal.mediaAssets;
};

PG.on = function (event, handler) { (this._handlers[event] = this._handlers[event] || []).push(handler); return this; };

PG._emit = function (event, data) {
  (this._handlers[event] || []).forEach(function (h) { try { h(data); } catch (e) { console.error(e); } });
};

PG._base = function () {
  var o = this._options, host = o.secureDistribution || o.cname;
  if (host) return (/^https?:\/\//.test(host) ? host : "https://" + host).replace(/\/$/, "");
  return EDGE.root;
};

PG._resolve = function () {  // mediaAssets -> [{publicId, width?, height?, alt, transformation}]
  var self = this, o = this._options;
  return Promise.all(toList(o.mediaAssets).map(function (entry) {
    if (typeof entry === "string") entry = { publicId: entry };
    if (entry.mediaType && entry.mediaType !== "image") {
      console.warn("edge product gallery: mediaType '" + entry.mediaType + "' is not supported; skipped");
      return [];
    }
    if (entry.tag) {
      var url = self._base() + "/" + encodeURIComponent(o.cloudName) + "/image/list/" + encodeURIComponent(entry.tag) + ".json";
      return fetch(url, { credentials: "omit" }).then(function (r) {
        if (!r.ok) throw new Error((r.headers.get("X-Cld-Error") || r.statusText) + " (" + entry.tag + ")");
        return r.json();
      }).then(function (list) {
        return (list.resources || []).map(function (r) {
          var alt = r.context && r.context.custom && (r.context.custom.alt || r.context.custom.caption);
          return { publicId: r.public_id, width: r.width, height: r.height, version: r.version, format: r.format,
            alt: entry.altText || alt || r.public_id, transformation: entry.transformation };
        });
      });
    }
    return [{ publicId: entry.publicId, alt: entry.altText || entry.publicId, transformation: entry.transformation }];
  })).then(function (lists) { return [].concat.apply([], lists); });
};

PG._ratio = function () {
  var r = this._options.aspectRatio;
  if (RATIOS[r]) return RATIOS[r];
  var m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(String(r));
  return m ? Number(m[1]) / Number(m[2]) : 1;
};

PG._url = function (asset, width, extra) {  // CSS width * devicePixelRatio, rounded up to 100 px
  var o = this._options, dpr = window.devicePixelRatio || 1;
  var w = Math.max(100, Math.ceil((width * dpr) / 100) * 100);
  var parts = [transformationString(o.transformation), transformationString(asset.transformation),
    extra || "ar_" + this._ratioCode() + ",c_fill,g_auto,w_" + w, "f_auto,q_auto"].filter(Boolean);
  var id = String(asset.publicId).split("/").map(encodeURIComponent).join("/");
  return this._base() + "/" + encodeURIComponent(o.cloudName) + "/image/upload/" + parts.join("/") + "/" +
    (asset.version ? "v" + asset.version + "/" : "") + id;
};

PG._ratioCode = function () {
  var r = this._options.aspectRatio;
  return r === "square" ? "1:1" : RATIOS[r] || /^\d+(\.\d+)?:\d+(\.\d+)?$/.test(String(r)) ? r : "1:1";
};

PG.render = function () {
  var self = this, o = this._options;
  this._container = resolveElement(o.container);
  if (!this._container) throw new Error("galleryWidget: container not found - " + o.container);
  css("cldg-css", GALLERY_CSS);
  this._teardown();
  return this._resolve().then(function (assets) {
    self._assets = assets;
    self._current = Math.min(self._current, Math.max(0, assets.length - 1));
    self._draw();
    self._emit("render", { mediaAssets: assets.map(function (a) { return { publicId: a.publicId }; }) });
    return self;
  }, function (error) {
    self._container.textContent = "";
    self._container.appendChild(el("p", { class: "cldg-error", role: "alert", text: pgText("error", {}) + ": " + error.message }));
    self._emit("error", { message: error.message });
    return self;
  });
};

PG._draw = function () {
  var self = this, o = this._options, count = this._assets.length;
  this._teardown();
  var location = ["top", "bottom", "left", "right"].indexOf(o.carouselLocation) >= 0 ? o.carouselLocation : "bottom";
  this._root = el("div", { class: "cldg cldg-" + location, role: "region", "aria-roledescription": "carousel", "aria-label": pgText("gallery", {}) });
  if (!count) { this._root.appendChild(el("p", { text: pgText("empty", {}) })); this._container.appendChild(this._root); return; }
  this._image = el("img", { class: "cldg-image", alt: "", decoding: "async" });
  this._viewer = el("div", { class: "cldg-viewer", tabindex: "0", style: "aspect-ratio:" + this._ratio(),
    "aria-label": pgText("gallery", {}), "aria-live": "polite" }, [this._image]);
  var nav = o.navigation !== "none" && count > 1;
  this._prev = nav ? el("button", { type: "button", class: "cldg-nav cldg-prev", "aria-label": pgText("previous", {}), text: "‹",
    onclick: function () { self.go(self._current - 1); } }) : null;
  this._next = nav ? el("button", { type: "button", class: "cldg-nav cldg-next", "aria-label": pgText("next", {}), text: "›",
    onclick: function () { self.go(self._current + 1); } }) : null;
  this._zoomButton = o.zoom !== false ? el("button", { type: "button", class: "cldg-zoom", "aria-label": pgText("zoom", {}), text: "⤢",
    onclick: function () { self.zoom(); } }) : null;
  var stage = el("div", { class: "cldg-stage" + (o.navigation === "mouseover" ? " cldg-hover-nav" : "") },
    [this._viewer, this._prev, this._next, this._zoomButton]);
  var tp = o.thumbnailProps || {};
  this._thumbs = o.carouselStyle === "none" || count < 2 ? null : el("div", { class: "cldg-thumbs", role: "group", "aria-label": pgText("gallery", {}) },
    this._assets.map(function (asset, i) {
      var label = pgText("show", { n: i + 1, count: count });
      var inner = o.carouselStyle === "indicators" ? el("span", { class: "cldg-dot" }) :
        el("img", { src: self._url(asset, tp.width || 64, "c_fill,g_auto,h_" + Math.ceil((tp.height || 64) * (window.devicePixelRatio || 1)) +
          ",w_" + Math.ceil((tp.width || 64) * (window.devicePixelRatio || 1))), alt: "", loading: "lazy",
          width: tp.width || 64, height: tp.height || 64 });
      return el("button", { type: "button", class: "cldg-thumb", "aria-label": label, title: asset.alt, "data-index": String(i),
        onclick: function () { self.go(i); } }, [inner]);
    }));
  this._root.appendChild(stage);
  if (this._thumbs) this._root[location === "top" || location === "left" ? "insertBefore" : "appendChild"](this._thumbs, location === "top" || location === "left" ? stage : undefined);
  this._root.addEventListener("keydown", function (e) {
    if (e.target.closest && e.target.closest(".pswp")) return;
    var moves = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };
    if (e.key in moves && (e.target === self._viewer || (e.target.classList && e.target.classList.contains("cldg-thumb")))) {
      e.preventDefault(); self.go(self._current + moves[e.key], e.target !== self._viewer);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault(); self.go(e.key === "Home" ? 0 : count - 1, e.target !== self._viewer);
    } else if ((e.key === "Enter" || e.key === " ") && e.target === self._viewer && o.zoom !== false) {
      e.preventDefault(); self.zoom();
    }
  });
  if (o.zoom !== false) this._viewer.addEventListener("click", function () { self.zoom(); });
  this._container.appendChild(this._root);
  this._observer = new ResizeObserver(function () { self._show(); });
  this._observer.observe(this._viewer);
  this._show();
};

PG._show = function () {
  var asset = this._assets[this._current];
  if (!asset || !this._viewer) return;
  var width = this._viewer.clientWidth || this._container.clientWidth || 400;
  var src = this._url(asset, width);
  if (this._image.getAttribute("src") !== src) this._image.setAttribute("src", src);
  this._image.alt = asset.alt;
  var self = this;
  if (this._thumbs) Array.prototype.forEach.call(this._thumbs.children, function (b, i) {
    if (i === self._current) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
  });
};

PG.go = function (index, focusThumb) {
  var count = this._assets.length;
  if (!count) return this;
  var next = ((index % count) + count) % count;
  var changed = next !== this._current;
  this._current = next;
  this._show();
  if (focusThumb && this._thumbs) this._thumbs.children[next].focus();
  if (changed) this._emit("mediaChanged", { index: next, publicId: this._assets[next].publicId });
  return this;
};

PG.zoom = function () {  // PhotoSwipe over the page: the full image (limited to 2400 px), pinch/wheel/click zoom
  var self = this, asset = this._assets[this._current], o = this._options;
  if (!asset) return Promise.resolve();
  var level = (o.zoomProps && o.zoomProps.level) || 2;
  var width = Math.min(2400, Math.ceil((this._viewer.clientWidth || 600) * level * (window.devicePixelRatio || 1)));
  var src = this._url(asset, width, "c_limit,h_" + width + ",w_" + width);
  stylesheet(VENDOR + "photoswipe-5.4.4/photoswipe.css");
  var probe = new Image();
  var size = new Promise(function (resolve) {
    probe.onload = function () { resolve({ w: probe.naturalWidth, h: probe.naturalHeight }); };
    probe.onerror = function () { resolve({ w: width, h: Math.round(width / self._ratio()) }); };
    probe.src = src;
  });
  return Promise.all([vendorModule("photoswipe-5.4.4/photoswipe.esm.min.js"), size]).then(function (r) {
    var PhotoSwipe = r[0].default;
    var pswp = new PhotoSwipe({ dataSource: [{ src: src, width: r[1].w, height: r[1].h, alt: asset.alt }],
      index: 0, bgOpacity: 0.9, secondaryZoomLevel: level, maxZoomLevel: Math.max(level, 4), returnFocus: true, trapFocus: true,
      closeTitle: "Close", zoomTitle: pgText("zoom", {}), mainClass: "cldg-pswp" });
    pswp.on("destroy", function () { self._emit("zoomOut", { publicId: asset.publicId }); if (self._viewer) self._viewer.focus(); });
    pswp.init();
    self._pswp = pswp;
    self._emit("zoomIn", { publicId: asset.publicId });
    return pswp;
  });
};

PG.update = function (options) {
  this._set(options);
  return this.render();
};

PG._teardown = function () {
  if (this._observer) { this._observer.disconnect(); this._observer = null; }
  if (this._root) { this._root.remove(); this._root = null; }
  this._viewer = this._thumbs = null;
};

PG.destroy = function () {
  if (this._pswp) { try { this._pswp.destroy(); } catch (e) { /* already closed */ } }
  this._teardown();
  this._emit("destroy", {});
  this._handlers = {};
};

cld.galleryWidget = function (options) { return new Gallery(options); };

var GALLERY_CSS = [
  ".cldg{display:flex;flex-direction:column;gap:8px;width:100%;font:14px system-ui,sans-serif}",
  ".cldg-top{flex-direction:column}.cldg-left{flex-direction:row}.cldg-right{flex-direction:row}",
  ".cldg-left .cldg-thumbs,.cldg-right .cldg-thumbs{flex-direction:column;overflow-y:auto;overflow-x:hidden}",
  ".cldg-left .cldg-stage,.cldg-right .cldg-stage{flex:1}",
  ".cldg-stage{position:relative;min-width:0}",
  ".cldg-viewer{width:100%;overflow:hidden;background:#f4f4f4;cursor:zoom-in;border-radius:4px}",
  ".cldg-viewer:focus-visible,.cldg-thumb:focus-visible,.cldg-nav:focus-visible,.cldg-zoom:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}",
  ".cldg-image{display:block;width:100%;height:100%;object-fit:contain}",
  ".cldg-nav,.cldg-zoom{position:absolute;border:0;background:rgba(255,255,255,.9);color:#111;width:40px;height:40px;border-radius:50%;font-size:26px;line-height:1;cursor:pointer;box-shadow:0 1px 4px rgba(0,0,0,.3)}",
  ".cldg-prev{left:8px;top:50%;transform:translateY(-50%)}.cldg-next{right:8px;top:50%;transform:translateY(-50%)}",
  ".cldg-zoom{right:8px;top:8px;font-size:20px}",
  ".cldg-hover-nav .cldg-nav{opacity:0}.cldg-hover-nav:hover .cldg-nav,.cldg-hover-nav .cldg-nav:focus-visible{opacity:1}",
  ".cldg-thumbs{display:flex;gap:6px;overflow-x:auto;padding:2px}",
  ".cldg-thumb{padding:0;border:2px solid transparent;background:none;border-radius:4px;cursor:pointer;line-height:0}",
  ".cldg-thumb[aria-current=true]{border-color:#0a58ca}.cldg-thumb img{display:block;object-fit:cover}",
  ".cldg-dot{display:block;width:10px;height:10px;margin:6px;border-radius:50%;background:#999}.cldg-thumb[aria-current=true] .cldg-dot{background:#0a58ca}",
  ".cldg-error{color:#b3261e}"
].join("\n");
