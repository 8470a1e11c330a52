// Case page: the process diagram (bpmn-js navigated viewer) with the path passed, the current
// tasks and the overdue ones marked. It opens on the part that matters now (the current tasks and
// what led to them) at a readable size, not the whole process shrunk to the box; the buttons
// (data-diagram-zoom) zoom in and out, show the whole process or go back to the current step; the
// mouse drags and (with Ctrl) zooms. Labels and lane names come translated from the server.
(async function () {
  const container = document.getElementById("diagram");
  if (!container || !window.BpmnJS) return;
  const fail = (message) => { container.textContent = message; container.dataset.ready = "error"; };
  const response = await fetch(container.dataset.src, { credentials: "same-origin" });
  if (!response.ok) { fail(container.dataset.failedLoad); return; }
  const data = await response.json();
  const viewer = new window.BpmnJS({ container });
  try {
    await viewer.importXML(data.xml);
  } catch (err) {
    fail(container.dataset.failedShow + " " + err.message);
    return;
  }
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const done = new Set(data.done), current = new Set(data.current), overdue = new Set(data.overdue);
  done.forEach((id) => registry.get(id) && canvas.addMarker(id, "done"));
  current.forEach((id) => registry.get(id) && canvas.addMarker(id, overdue.has(id) ? "overdue" : "current"));
  registry.filter((e) => e.type === "bpmn:SequenceFlow").forEach((flow) => {
    const s = flow.source && flow.source.id, t = flow.target && flow.target.id;
    if (done.has(s) && (done.has(t) || current.has(t))) canvas.addMarker(flow.id, "done");
  });

  const READABLE = 0.8;  // below this the 12 px labels of bpmn-js are too small to read
  const MAX_ZOOM = 3, MIN_ZOOM = 0.2, STEP = 1.25;
  const boxOf = (ids) => {
    const shapes = ids.map((id) => registry.get(id)).filter((e) => e && e.width !== undefined && !e.labelTarget);
    if (!shapes.length) return null;
    const x = Math.min(...shapes.map((e) => e.x)), y = Math.min(...shapes.map((e) => e.y));
    const right = Math.max(...shapes.map((e) => e.x + e.width)), bottom = Math.max(...shapes.map((e) => e.y + e.height));
    return { x, y, width: right - x, height: bottom - y };
  };
  const show = (zoom) => {
    container.dataset.zoom = zoom.toFixed(2);
  };
  // The part that matters now: the current tasks with the steps passed around them; the whole
  // path when it fits at a readable size, else the current tasks centred at that size.
  const focus = () => {
    const { width, height } = canvas.viewbox().outer;
    const now = boxOf([...current]);
    const path = boxOf([...current, ...done]);
    const target = now || path;
    if (!target) { canvas.zoom("fit-viewport", "auto"); show(canvas.zoom()); return; }
    const pad = 60;
    const fits = (box) => Math.min(width / (box.width + 2 * pad), height / (box.height + 2 * pad));
    const around = path && fits(path) >= READABLE ? path : target;
    const zoom = Math.max(Math.min(fits(around), 1), READABLE);
    canvas.zoom(zoom);
    const cx = around.x + around.width / 2, cy = around.y + around.height / 2;
    canvas.viewbox({ x: cx - width / zoom / 2, y: cy - height / zoom / 2, width: width / zoom, height: height / zoom });
    show(zoom);
  };
  const zoomBy = (factor) => {
    const zoom = Math.min(Math.max(canvas.zoom() * factor, MIN_ZOOM), MAX_ZOOM);
    const box = canvas.viewbox();
    canvas.zoom(zoom, { x: box.outer.width / 2, y: box.outer.height / 2 });
    show(zoom);
  };
  const actions = {
    in: () => zoomBy(STEP),
    out: () => zoomBy(1 / STEP),
    fit: () => { canvas.zoom("fit-viewport", "auto"); show(canvas.zoom()); },
    current: focus,
  };
  document.querySelectorAll("[data-diagram-zoom]").forEach((button) => {
    button.addEventListener("click", () => actions[button.dataset.diagramZoom]());
  });
  viewer.get("eventBus").on("canvas.viewbox.changed", (event) => show(event.viewbox.scale));
  focus();
  container.dataset.ready = "1";
})();
