// Case page: the process diagram (bpmn-js viewer) with the completed path and the current tasks marked.
(async function () {
  const container = document.getElementById("diagram");
  if (!container || !window.BpmnJS) return;
  const response = await fetch(container.dataset.src, { credentials: "same-origin" });
  if (!response.ok) { container.textContent = "流程图加载失败"; return; }
  const data = await response.json();
  const viewer = new window.BpmnJS({ container });
  try {
    await viewer.importXML(data.xml);
  } catch (err) {
    container.textContent = "流程图无法显示：" + err.message;
    return;
  }
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const done = new Set(data.done), current = new Set(data.current);
  done.forEach((id) => registry.get(id) && canvas.addMarker(id, "done"));
  current.forEach((id) => registry.get(id) && canvas.addMarker(id, "current"));
  registry.filter((e) => e.type === "bpmn:SequenceFlow").forEach((flow) => {
    const s = flow.source && flow.source.id, t = flow.target && flow.target.id;
    if (done.has(s) && (done.has(t) || current.has(t))) canvas.addMarker(flow.id, "done");
  });
  canvas.zoom("fit-viewport");
  container.dataset.ready = "1";
})();
