// Keep a live fragment fresh by conditional polling (see core/watch.py and ADR 008).
// An element with data-watch-url is fetched again after data-watch-interval seconds (1 by
// default) with the ETag of the last answer in If-None-Match; the server says 304 while
// nothing changed. Each unchanged answer waits 1.5x longer, up to data-watch-max seconds
// (10; a running job says 1.5, so a change shows within 2 s); a change goes back to the
// first interval, and the new fragment's own data-watch-* settings apply. Polling pauses while the tab is hidden and
// stops when the new fragment has no data-watch-url (the job or order is finished). The
// element's id picks the fragment out of the answer, so a whole page works too. Without
// JavaScript the page's own Refresh link still works. An answer marked X-Watch-Patch is
// JSON of the few values that moved, written into the fragment in place (see `patched`).
// No inline script: CSP allows 'self'.
(function () {
  "use strict";

  var GROWTH = 1.5;

  function seconds(value, fallback) {
    var number = parseFloat(value);
    return (number > 0 ? number : fallback) * 1000;
  }

  function Watch(element) {
    this.id = element.id;
    this.configure(element);
    this.delay = this.first;
    this.etag = null;
    this.body = null;
    this.timer = null;
    this.stopped = false;
  }

  Watch.prototype.configure = function (element) {
    this.url = element.dataset.watchUrl;
    this.first = seconds(element.dataset.watchInterval, 1);
    this.longest = seconds(element.dataset.watchMax, 10);
  };

  Watch.prototype.schedule = function () {
    clearTimeout(this.timer);
    if (!this.stopped && !document.hidden) {
      this.timer = setTimeout(this.poll.bind(this), this.delay);
    }
  };

  Watch.prototype.unchanged = function () {
    this.delay = Math.min(this.delay * GROWTH, this.longest);
    this.schedule();
  };

  Watch.prototype.poll = function () {
    var self = this;
    var headers = { "HX-Request": "true" };
    if (this.etag) {
      headers["If-None-Match"] = this.etag;
    }
    // no-store: the browser neither adds its own validators nor hides the 304 from us.
    fetch(this.url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status !== 200) {
          return self.unchanged(); // 304, or an error: ask again later, less often
        }
        self.etag = response.headers.get("ETag");
        if (response.headers.get("X-Watch-Patch")) {
          return response.json().then(function (fields) {
            self.patched(fields);
          });
        }
        return response.text().then(function (text) {
          self.received(text);
        });
      })
      .catch(function () {
        self.unchanged();
      });
  };

  Watch.prototype.received = function (text) {
    if (text === this.body) {
      return this.unchanged(); // no ETag (no shared cache) and the same fragment
    }
    this.body = text;
    var current = document.getElementById(this.id);
    var parsed = new DOMParser().parseFromString(text, "text/html");
    var fresh = parsed.getElementById(this.id);
    if (!current || !fresh) {
      this.stopped = true;
      return;
    }
    current.replaceWith(fresh);
    if (window.htmx) {
      window.htmx.process(fresh);
    }
    this.configure(fresh);
    this.stopped = !this.url;
    this.delay = this.first;
    this.schedule();
  };

  // A patch (X-Watch-Patch) carries only the values that moved, such as a running job's
  // step: each element marked data-watch-text="name" gets the new text, a progress bar
  // marked data-watch-value / data-watch-limit its value and max. The rest stays as shown.
  Watch.prototype.patched = function (fields) {
    var current = document.getElementById(this.id);
    if (!current) {
      this.stopped = true;
      return;
    }
    function each(attribute, apply) {
      var marked = current.querySelectorAll("[" + attribute + "]");
      Array.prototype.forEach.call(marked, function (element) {
        var name = element.getAttribute(attribute);
        if (Object.prototype.hasOwnProperty.call(fields, name)) {
          apply(element, String(fields[name]));
        }
      });
    }
    each("data-watch-text", function (element, value) {
      element.textContent = value;
    });
    each("data-watch-value", function (element, value) {
      element.setAttribute("value", value);
    });
    each("data-watch-limit", function (element, value) {
      element.setAttribute("max", value);
    });
    this.body = null; // the fragment on the page is no longer the last full answer
    this.delay = this.first;
    this.schedule();
  };

  Watch.prototype.visibility = function () {
    if (document.hidden) {
      clearTimeout(this.timer);
    } else if (!this.stopped) {
      this.delay = this.first;
      this.poll();
    }
  };

  function start() {
    var elements = document.querySelectorAll("[data-watch-url][id]");
    Array.prototype.forEach.call(elements, function (element) {
      var watch = new Watch(element);
      document.addEventListener("visibilitychange", watch.visibility.bind(watch));
      watch.schedule();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
