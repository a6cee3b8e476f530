// Keyboard handling of the review queue: Enter accepts or saves, Esc restores the value as
// read, F8 marks unreadable, F9 shows the whole page; after a decision the next pending field
// gets the focus. Tab and Shift+Tab are the browser's own (only the inputs are focusable).
(function () {
  "use strict";

  function valueInput(item) {
    return item ? item.querySelector("[name=value]") : null;
  }

  function focusItem(item) {
    var input = valueInput(item);
    if (!input) return;
    input.focus();
    input.select();
    item.scrollIntoView({ block: "nearest" });
  }

  function nextPending(item) {
    var items = Array.prototype.slice.call(document.querySelectorAll(".item"));
    var at = items.indexOf(item);
    var order = items.slice(at + 1).concat(items.slice(0, at));
    for (var i = 0; i < order.length; i++) {
      if (order[i].classList.contains("pending")) return order[i];
    }
    return null;
  }

  var modal = null;
  var returnFocus = null;

  function openPage(url, fieldY) {
    modal = document.getElementById("page-modal");
    returnFocus = document.activeElement;
    var img = modal.querySelector("img");
    var none = modal.querySelector(".none");
    img.hidden = false;
    none.hidden = true;
    img.onerror = function () { img.hidden = true; none.hidden = false; };
    img.onload = function () {  // bring the field into view, a little below the top
      modal.querySelector(".scroll").scrollTop = img.offsetTop + fieldY * img.height - 120;
    };
    img.src = url;
    modal.hidden = false;
  }

  function closePage() {
    modal.hidden = true;
    if (returnFocus) returnFocus.focus();
  }

  document.addEventListener("keydown", function (ev) {
    if (modal && !modal.hidden) {
      if (ev.key === "Escape" || ev.key === "F9") { ev.preventDefault(); closePage(); }
      return;
    }
    var input = ev.target;
    var item = input.closest ? input.closest(".item") : null;
    if (!item || input.name !== "value") return;
    if (ev.key === "Escape") {
      ev.preventDefault();
      input.value = input.dataset.original;
      input.select();
    } else if (ev.key === "F8") {
      ev.preventDefault();
      htmx.ajax("POST", item.dataset.unreadableUrl, { target: item, swap: "outerHTML", values: { version: item.dataset.version, shown: item.dataset.shown } });
    } else if (ev.key === "F9") {
      ev.preventDefault();
      openPage(item.dataset.pageUrl, parseFloat(item.dataset.pageY) || 0);
    } else if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      if (item.classList.contains("done") && input.value === input.dataset.original) {
        ev.preventDefault();  // already decided and unchanged: just move on
        focusItem(nextPending(item));
      } else if (input.tagName === "TEXTAREA") {
        ev.preventDefault();  // Shift+Enter keeps a line break in multi-line text
        input.form.requestSubmit();
      }
    }
  });

  function tell(ev, text) {
    var item = ev.detail.elt.closest ? ev.detail.elt.closest(".item") : null;
    var note = item ? item.querySelector(".note") : null;
    if (note) note.innerHTML = '<span class="err"></span>';
    if (note) note.firstChild.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (ev) {
    if (ev.detail.xhr.status === 403) {  // the session ends when jiafang review serve is restarted
      tell(ev, "未保存：复核网页的登录已失效（复核服务可能已重新启动），请用 jiafang review serve 新打印的链接重新打开");
      return;
    }
    tell(ev, "保存失败（服务器错误 " + ev.detail.xhr.status + "），请重试；如仍失败请查看启动复核网页的窗口");
  });
  document.addEventListener("htmx:sendError", function (ev) {
    tell(ev, "无法连接复核服务：请确认 jiafang review serve 仍在运行");
  });

  // Coverage bars: the width comes from a data attribute, since the page allows no inline style.
  function sizeBars(root) {
    var bars = root.querySelectorAll ? root.querySelectorAll(".meter .fill[data-percent]") : [];
    for (var i = 0; i < bars.length; i++) bars[i].style.width = bars[i].dataset.percent + "%";
  }

  // The page itself: done as this deferred script runs, since htmx 2 announces the body only in a
  // timeout that may come after the page's load event, when the reviewer may already be typing.
  sizeBars(document);
  focusItem(document.querySelector(".item.pending"));

  // Every piece htmx swaps in.
  htmx.onLoad(function (elt) {
    if (elt === document.body) return;
    sizeBars(elt);
    if (elt.classList && elt.classList.contains("item")) {
      if (elt.classList.contains("error")) focusItem(elt);
      else if (elt.classList.contains("done")) focusItem(nextPending(elt));
    }
  });
})();
