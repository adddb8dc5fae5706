/* core.js: the prelude every all.js shares (edge serves each widget as one IIFE: core + widget).
   Where the script came from, lazy loaders for the vendored modules, a focus trap, small DOM helpers. */
var cld = window.cloudinary = window.cloudinary || {};
var SCRIPT = document.currentScript;
// The origin (and path prefix) edge serves the widgets from: uploads, deliveries and vendored modules go there.
var EDGE = (function () {
  var src = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href) : new URL(location.href);
  var at = src.pathname.indexOf("/widgets/");
  return { origin: src.origin, root: src.origin + (at > 0 ? src.pathname.slice(0, at) : "") };
})();
var VENDOR = EDGE.root + "/widgets/static/vendor/";
var loaded = {};

function vendorModule(path) {  // import() keeps the library out of the page's globals
  if (!loaded[path]) loaded[path] = import(VENDOR + path);
  return loaded[path];
}

function stylesheet(href) {
  if (loaded[href]) return loaded[href];
  loaded[href] = new Promise(function (resolve) {
    var link = el("link", { rel: "stylesheet", href: href });
    link.onload = link.onerror = function () { resolve(); };
    document.head.appendChild(link);
  });
  return loaded[href];
}

function css(id, text) {
  if (document.getElementById(id)) return;
  var style = el("style", { id: id });
  style.textContent = text;
  document.head.appendChild(style);
}

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var v = attrs[k];
    if (v === undefined || v === null || v === false) return;
    if (k === "text") node.textContent = v;
    else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  });
  (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return node;
}

function resolveElement(target) {
  if (!target) return null;
  return typeof target === "string" ? document.querySelector(target) : target;
}

var FOCUSABLE = "a[href],button:not([disabled]),input:not([disabled]):not([type=hidden]),select,textarea,[tabindex]:not([tabindex='-1'])";

function focusables(root) {
  return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (n) {
    return n.offsetParent !== null || n === document.activeElement;
  });
}

// Tab and Shift+Tab cycle inside `root`; Escape calls onEscape. Returns the function that removes it.
function trapFocus(root, onEscape) {
  function onKey(event) {
    if (event.key === "Escape" && onEscape) { event.preventDefault(); onEscape(); return; }
    if (event.key !== "Tab") return;
    var items = focusables(root);
    if (!items.length) { event.preventDefault(); return; }
    var first = items[0], last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !root.contains(document.activeElement))) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !root.contains(document.activeElement))) {
      event.preventDefault(); first.focus();
    }
  }
  root.addEventListener("keydown", onKey);
  return function () { root.removeEventListener("keydown", onKey); };
}

function merge(target, source) {  // deep merge of plain objects (text, styles)
  Object.keys(source || {}).forEach(function (k) {
    var v = source[k];
    if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Node)) {
      target[k] = merge(target[k] && typeof target[k] === "object" ? target[k] : {}, v);
    } else target[k] = v;
  });
  return target;
}

function toList(value) {
  if (value === undefined || value === null || value === "") return [];
  return Array.isArray(value) ? value.slice() : String(value).split(",").map(function (s) { return s.trim(); }).filter(Boolean);
}

var uid = 0;
function nextId(prefix) { uid += 1; return prefix + "-" + uid; }
