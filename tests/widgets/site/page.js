// The embedding site's own code: what a customer writes against Cloudinary's widget API.
window.__events = [];
window.__errors = [];
function record(error, result) {
  if (error) { window.__errors.push(error); return; }
  window.__events.push(JSON.parse(JSON.stringify({ event: result.event, info: result.info === undefined ? null :
    (result.info && result.info.file instanceof File ? { file: { name: result.info.file.name, size: result.info.file.size }, publicId: result.info.publicId } : result.info) })));
}
// The site's back end signs (here: /sign on this page's origin), as Cloudinary's docs show.
window.__signed = [];
function signer(callback, paramsToSign) {
  window.__signed.push(paramsToSign);
  fetch("/sign", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(paramsToSign) })
    .then(function (r) { return r.text(); }).then(callback);
}
window.makeUpload = function (options) {
  if (options.signed) { delete options.signed; options.uploadSignature = signer; }
  if (options.captionFromName) {  // the site adds a caption per file, as Cloudinary's docs show
    delete options.captionFromName;
    options.prepareUploadParams = function (cb, params) { cb({ context: { caption: "from " + params.filename } }); };
  }
  if (options.refuseBatches) {
    delete options.refuseBatches;
    options.preBatch = function (cb, data) { window.__batches = data; cb({ cancel: true }); };
  }
  window.widget = cloudinary.createUploadWidget(options, record);
  document.getElementById("open").onclick = function () { window.widget.open(); };
  return true;
};
window.makeGallery = function (options) {
  window.__gallery = [];
  window.gallery = cloudinary.galleryWidget(options);
  ["render", "mediaChanged", "zoomIn", "zoomOut"].forEach(function (name) {
    window.gallery.on(name, function (data) { window.__gallery.push({ event: name, data: data }); });
  });
  return window.gallery.render().then(function () { return true; });
};
