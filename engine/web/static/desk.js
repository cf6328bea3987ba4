/* The desk's one script: drag-and-drop upload on the 收件 page (htmx does the rest).
 *
 * Files dropped on the zone, or chosen with the file input and sent with the
 * button, go up in one request whose progress the bar shows; the answer, the
 * filing job's partial, goes above the earlier ones and htmx polls it until
 * every file's outcome is in. Without this script the form posts as it is.
 */
(function () {
  "use strict";

  /* The message of an error answer: plain text, or the error line of a page. */
  function messageOf(request) {
    var type = request.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") !== 0) {
      return request.responseText;
    }
    var page = new DOMParser().parseFromString(request.responseText, "text/html");
    var line = page.querySelector(".field-error, .error");
    return line ? line.textContent : "上传失败（" + request.status + "）";
  }

  function setUp(form) {
    var zone = form.querySelector(".dropzone");
    var input = form.querySelector('input[type="file"]');
    var bar = form.querySelector("progress.sending");
    var message = form.querySelector(".field-error");
    var result = document.getElementById(form.getAttribute("data-result"));
    var limit = Number(form.getAttribute("data-limit"));
    var token = form.elements.csrf_token.value;

    function say(text) {
      message.textContent = text;
    }

    function send(files) {
      var tooLarge = [];
      var data = new FormData();
      var i;
      if (!files.length) {
        say("请选择要上传的文件");
        return;
      }
      for (i = 0; i < files.length; i++) {
        if (files[i].size > limit) {
          tooLarge.push(files[i].name);
        }
        data.append("files", files[i], files[i].name);
      }
      if (tooLarge.length) {  // the server refuses them too; saying so now saves the wait
        say("文件过大：" + tooLarge.join("、") + " 超过单个文件 " +
            form.getAttribute("data-limit-text") + " 的上限，本次未上传");
        return;
      }
      say("");
      data.append("csrf_token", token);
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("HX-Request", "true");
      request.setRequestHeader("X-CSRF-Token", token);
      bar.value = 0;
      bar.hidden = false;
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          bar.value = Math.round(event.loaded * 100 / event.total);
        }
      });
      request.addEventListener("load", function () {
        bar.hidden = true;
        var redirect = request.getResponseHeader("HX-Redirect");
        if (redirect) {  // the session ended: log in again
          window.location.href = redirect;
        } else if (request.status === 200) {
          result.insertAdjacentHTML("afterbegin", request.responseText);
          htmx.process(result.firstElementChild);
          form.reset();
        } else {
          say(messageOf(request));
        }
      });
      request.addEventListener("error", function () {
        bar.hidden = true;
        say("上传失败：网络连接中断，请重试");
      });
      request.send(data);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(input.files);
    });
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", function () {
      zone.classList.remove("over");
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("over");
      send(event.dataTransfer.files);
    });
  }

  /* A file dropped beside the zone would open in the browser, leaving the desk. */
  function keepOnPage(event) {
    if (!event.target.closest || !event.target.closest(".dropzone")) {
      event.preventDefault();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-upload]");
    forms.forEach(setUp);
    if (forms.length) {
      window.addEventListener("dragover", keepOnPage);
      window.addEventListener("drop", keepOnPage);
    }
  });
})();
