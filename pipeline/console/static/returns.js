// 交回: files and whole folders, picked or dropped, are streamed one request per file into a
// new upload, then the ingest job is started and the page shows its progress. Without this
// script the form still posts every file in one request.
(function () {
  "use strict";

  var form = document.getElementById("upload");
  if (!form || !window.fetch) return;
  var drop = document.getElementById("drop");
  var status = document.getElementById("upload-status");
  var dropped = [];  // [{file, name}] from drag and drop, folders walked

  function say(text, error) {
    status.textContent = text;
    status.className = error ? "status error" : "status";
  }

  function picked() {
    var out = dropped.slice();
    ["pick-files", "pick-folder"].forEach(function (id) {
      var files = document.getElementById(id).files;
      for (var i = 0; i < files.length; i++) {
        out.push({ file: files[i], name: files[i].webkitRelativePath || files[i].name });
      }
    });
    return out;
  }

  function readEntries(reader) {  // a folder's entries come in pages of ~100
    return new Promise(function (resolve, reject) {
      var all = [];
      (function more() {
        reader.readEntries(function (entries) {
          if (!entries.length) return resolve(all);
          all = all.concat(Array.prototype.slice.call(entries));
          more();
        }, reject);
      })();
    });
  }

  function walk(entry, out) {
    if (entry.isFile) {
      return new Promise(function (resolve, reject) {
        entry.file(function (file) { out.push({ file: file, name: entry.fullPath.replace(/^\//, "") }); resolve(); }, reject);
      });
    }
    return readEntries(entry.createReader()).then(function (entries) {
      return entries.reduce(function (chain, e) { return chain.then(function () { return walk(e, out); }); }, Promise.resolve());
    });
  }

  function json(response) {
    return response.json().then(function (body) {
      if (!response.ok) throw new Error(body.error || ("上传失败（" + response.status + "）"));
      return body;
    });
  }

  // LAN mode: every change carries the session's CSRF token (base.html gives it to htmx).
  var guard = JSON.parse(document.body.getAttribute("hx-headers") || "{}");

  function upload(items) {
    var sent = 0;
    say("正在上传 0/" + items.length + " 个文件……");
    return fetch("/returns/uploads", { method: "POST", credentials: "same-origin", headers: guard }).then(json).then(function (made) {
      var base = "/returns/uploads/" + encodeURIComponent(made.upload);
      var chain = items.reduce(function (chain, item) {
        return chain.then(function () {
          return fetch(base + "?name=" + encodeURIComponent(item.name), { method: "PUT", body: item.file, credentials: "same-origin", headers: guard })
            .then(json).then(function () { sent += 1; say("正在上传 " + sent + "/" + items.length + " 个文件……"); });
        });
      }, Promise.resolve());
      return chain.then(function () { return fetch(base + "/start", { method: "POST", credentials: "same-origin", headers: guard }).then(json); });
    }).then(function (started) {
      say("上传完成，开始读入……");
      window.location.assign(started.url);
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var items = picked();
    if (!items.length) { say("请先选择或拖入文件。", true); return; }
    upload(items).catch(function (err) { say(err.message, true); });
  });

  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (ev) {
    ev.preventDefault();
    drop.classList.remove("over");
    var entries = [];
    var items = ev.dataTransfer.items || [];
    for (var i = 0; i < items.length; i++) {
      var entry = items[i].webkitGetAsEntry ? items[i].webkitGetAsEntry() : null;
      if (entry) entries.push(entry);
    }
    var found = [];
    var walked = entries.length
      ? entries.reduce(function (chain, e) { return chain.then(function () { return walk(e, found); }); }, Promise.resolve())
      : Promise.resolve(Array.prototype.forEach.call(ev.dataTransfer.files, function (f) { found.push({ file: f, name: f.name }); }));
    walked.then(function () {
      dropped = dropped.concat(found);
      say("已拖入 " + dropped.length + " 个文件。点“上传并读入”开始。");
    }).catch(function () { say("无法读取拖入的文件夹，请改用“选择文件夹”。", true); });
  });
})();
