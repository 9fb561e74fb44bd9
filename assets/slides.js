/* Slide export links under each graph (layouts/panels.py: slide_links; served by
 * callbacks/slides.py). A click asks the server for the 16:9 SVG or PDF of the page's current
 * state (the URL's query string, the same as "Copy link"), saves it, or shows the server's
 * message ("not computed yet", "exporter unavailable", ...) next to the links. The figure is
 * rebuilt on the server: nothing but the query string is sent.
 */
(function () {
  function status(link, text, kind) {
    var box = link.parentElement && link.parentElement.querySelector(".slide-msg");
    if (!box) { return; }
    box.textContent = text;
    box.className = "slide-msg" + (kind ? " " + kind : "");
  }

  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function exportSlide(link) {
    if (link.getAttribute("aria-busy") === "true") { return; }
    var url = link.getAttribute("href").split("?")[0] + window.location.search;
    link.setAttribute("aria-busy", "true");
    status(link, "rendering…", "busy");
    fetch(url, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          return r.text().then(function (t) { throw new Error(t || r.status + " " + r.statusText); });
        }
        return r.blob().then(function (b) {
          save(b, link.getAttribute("data-filename") || "figure");
          status(link, "saved " + (link.getAttribute("data-filename") || ""), "done");
        });
      })
      .catch(function (err) { status(link, err.message || String(err), "bad"); })
      .then(function () { link.removeAttribute("aria-busy"); });
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target && ev.target.closest ? ev.target.closest("a.slide-link") : null;
    if (!link) { return; }
    ev.preventDefault();
    exportSlide(link);
  });
})();
