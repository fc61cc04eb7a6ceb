// The console's only script: the live tail and the charts' refresh.
// Served from the binary; no framework, no build step.
"use strict";

function tail(table) {
  const body = table.querySelector("tbody");
  const count = document.getElementById("tail-count");
  const behind = document.getElementById("tail-behind");
  const state = document.getElementById("tail-state");
  const keep = 500;
  let shown = 0;
  let iterator = "";
  const params = new URLSearchParams({stream: table.dataset.stream, shard: table.dataset.shard, from: table.dataset.from});
  async function poll() {
    const q = new URLSearchParams(params);
    if (iterator) q.set("iterator", iterator);
    let wait = 1000;
    try {
      const res = await fetch("/console/api/tail?" + q, {credentials: "same-origin"});
      if (res.status === 401) {
        state.textContent = "the session ended: reload the page and log in again";
        return;
      }
      const a = await res.json();
      if (!res.ok) {
        state.textContent = a.error || ("error " + res.status);
        if (res.status === 400) iterator = ""; // an expired iterator: start again
        wait = 3000;
      } else {
        for (const r of a.records) {
          const tr = document.createElement("tr");
          for (const v of [r.sequenceNumber, new Date(r.arrival).toISOString(), r.partitionKey, r.data + (r.truncated ? " …" : "")]) {
            const td = document.createElement("td");
            td.textContent = v;
            tr.appendChild(td);
          }
          tr.lastChild.className = "data";
          body.appendChild(tr);
          shown++;
          while (body.rows.length > keep) body.deleteRow(0);
        }
        count.textContent = String(shown);
        behind.textContent = a.millisBehindLatest + " ms";
        iterator = a.nextIterator;
        if (!iterator) {
          state.textContent = "the shard is closed and read to its end";
          return;
        }
        state.textContent = "tailing";
        if (a.records.length > 0) wait = 200;
      }
    } catch (e) {
      state.textContent = "cannot reach the server: " + e;
      wait = 3000;
    }
    setTimeout(poll, wait);
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  const t = document.querySelector("table#tail");
  if (t) tail(t);
  if (document.querySelector("[data-refresh]")) setTimeout(() => location.reload(), 10000);
});
