// The region tree of /work/regions/: open a node (loading its subregions once, with htmx) or close it
// (hiding everything below it). Without JavaScript each name still links to the region's page.
(function () {
  "use strict";
  var table = document.querySelector("table.region-tree");
  if (!table) return;
  var base = table.getAttribute("data-children-url");

  function rowsBelow(row) {
    var path = row.getAttribute("data-path");
    return Array.prototype.filter.call(table.querySelectorAll("tbody tr[data-path]"), function (r) {
      var p = r.getAttribute("data-path");
      return p !== path && p.indexOf(path) === 0;
    });
  }

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var icon = button.querySelector("i");
    if (icon) icon.className = "bi " + (open ? "bi-dash-square" : "bi-plus-square");
  }

  table.addEventListener("click", function (event) {
    var button = event.target.closest(".tree-toggle");
    if (!button) return;
    var row = button.closest("tr");
    var pk = button.getAttribute("data-pk");
    if (button.getAttribute("aria-expanded") === "true") {
      rowsBelow(row).forEach(function (r) {
        r.hidden = true;
        var b = r.querySelector(".tree-toggle");
        if (b) setOpen(b, false);
      });
      setOpen(button, false);
      return;
    }
    if (button.getAttribute("data-loaded") === "1") {
      Array.prototype.forEach.call(table.querySelectorAll('tbody tr[data-parent="' + pk + '"]'), function (r) {
        r.hidden = false;
      });
      setOpen(button, true);
      return;
    }
    button.disabled = true;
    htmx.ajax("GET", base.replace("/0/", "/" + pk + "/"), { target: row, swap: "afterend" }).then(function () {
      button.setAttribute("data-loaded", "1");
      button.disabled = false;
      setOpen(button, true);
    });
  });
})();
