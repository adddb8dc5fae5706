// The demo page's script (a file: the page has no inline script).
(function () {
  var cloud = document.body.getAttribute("data-cloud");
  var events = document.getElementById("events");
  function log(error, result) {
    var item = document.createElement("li");
    item.textContent = error ? "error: " + (error.statusText || error.status) : result.event + (result.event === "success" ? ": " + result.info.secure_url : "");
    events.appendChild(item);
  }
  function options(extra) {
    var base = { cloudName: cloud, uploadPreset: document.getElementById("preset").value, sources: ["local", "url", "camera"],
      maxFileSize: 20000000, clientAllowedFormats: ["jpg", "jpeg", "png", "webp", "gif", "avif"] };
    return Object.assign(base, extra || {});
  }
  document.getElementById("upload").addEventListener("click", function () {
    cloudinary.openUploadWidget(options(), log);
  });
  document.getElementById("upload-crop").addEventListener("click", function () {
    cloudinary.openUploadWidget(options({ multiple: false, cropping: true, croppingAspectRatio: 1, croppingShowDimensions: true }), log);
  });
  cloudinary.galleryWidget({
    container: "#gallery", cloudName: cloud, aspectRatio: "4:3", carouselLocation: "bottom",
    mediaAssets: ["sample", "samples/astronaut", "samples/coffee", "samples/rocket", "samples/motorcycle"]
  }).render();
})();
