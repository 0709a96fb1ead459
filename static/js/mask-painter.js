// Paint an inpainting mask over a picture, by mouse, touch or keyboard.
// The canvas has the picture's pixel size; on submit the strokes are rendered white on black
// into a PNG data URL in the form's hidden mask field (only when something was painted, so
// an uploaded mask file is used otherwise). No inline script: CSP allows only 'self'.
(function () {
  "use strict";

  var STEP = 8;
  var BIG_STEP = 32;
  var MIN_BRUSH = 4;
  var MAX_BRUSH = 128;

  function MaskPainter(root) {
    this.root = root;
    this.canvas = root.querySelector("canvas");
    this.context = this.canvas.getContext("2d");
    this.brushInput = root.querySelector("[data-brush]");
    this.status = root.querySelector("[data-status]");
    this.target = document.getElementById(root.dataset.target);
    this.strokes = [];
    this.current = null;
    this.cursor = { x: this.canvas.width / 2, y: this.canvas.height / 2 };
    this.spaceDown = false;
    this.bind();
    this.redraw();
  }

  MaskPainter.prototype.brush = function () {
    var size = parseInt(this.brushInput.value, 10) || 32;
    return Math.max(MIN_BRUSH, Math.min(MAX_BRUSH, size));
  };

  MaskPainter.prototype.setBrush = function (size) {
    this.brushInput.value = Math.max(MIN_BRUSH, Math.min(MAX_BRUSH, size));
    this.redraw();
  };

  MaskPainter.prototype.toCanvas = function (event) {
    var box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * this.canvas.width) / box.width,
      y: ((event.clientY - box.top) * this.canvas.height) / box.height,
    };
  };

  MaskPainter.prototype.begin = function (point) {
    this.current = { size: this.brush(), points: [point] };
    this.strokes.push(this.current);
    this.redraw();
  };

  MaskPainter.prototype.extend = function (point) {
    if (this.current) {
      this.current.points.push(point);
      this.redraw();
    }
  };

  MaskPainter.prototype.end = function () {
    this.current = null;
  };

  MaskPainter.prototype.drawStrokes = function (context, colour) {
    context.fillStyle = colour;
    context.strokeStyle = colour;
    context.lineCap = "round";
    context.lineJoin = "round";
    this.strokes.forEach(function (stroke) {
      var first = stroke.points[0];
      context.beginPath();
      context.arc(first.x, first.y, stroke.size / 2, 0, 2 * Math.PI);
      context.fill();
      if (stroke.points.length > 1) {
        context.lineWidth = stroke.size;
        context.beginPath();
        context.moveTo(first.x, first.y);
        stroke.points.slice(1).forEach(function (p) {
          context.lineTo(p.x, p.y);
        });
        context.stroke();
      }
    });
  };

  MaskPainter.prototype.redraw = function () {
    var context = this.context;
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawStrokes(context, "rgba(255, 40, 80, 0.55)");
    context.lineWidth = 2;
    context.strokeStyle = "#ffffff";
    context.beginPath();
    context.arc(this.cursor.x, this.cursor.y, this.brush() / 2, 0, 2 * Math.PI);
    context.stroke();
    var painted = this.strokes.length;
    this.status.textContent =
      (painted ? painted + (painted === 1 ? " stroke" : " strokes") : "Nothing painted yet") +
      ". Brush " + this.brush() + " px at " + Math.round(this.cursor.x) + ", " +
      Math.round(this.cursor.y) + ".";
  };

  MaskPainter.prototype.maskDataUrl = function () {
    var mask = document.createElement("canvas");
    mask.width = this.canvas.width;
    mask.height = this.canvas.height;
    var context = mask.getContext("2d");
    context.fillStyle = "#000000";
    context.fillRect(0, 0, mask.width, mask.height);
    this.drawStrokes(context, "#ffffff");
    return mask.toDataURL("image/png");
  };

  MaskPainter.prototype.move = function (dx, dy) {
    this.cursor = {
      x: Math.max(0, Math.min(this.canvas.width, this.cursor.x + dx)),
      y: Math.max(0, Math.min(this.canvas.height, this.cursor.y + dy)),
    };
    if (this.spaceDown) {
      this.extend({ x: this.cursor.x, y: this.cursor.y });
    } else {
      this.redraw();
    }
  };

  MaskPainter.prototype.onKeyDown = function (event) {
    var step = event.shiftKey ? BIG_STEP : STEP;
    var moves = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    if (moves[event.key]) {
      this.move(moves[event.key][0], moves[event.key][1]);
    } else if (event.key === " ") {
      if (!this.spaceDown) {
        this.spaceDown = true;
        this.begin({ x: this.cursor.x, y: this.cursor.y });
      }
    } else if (event.key === "+" || event.key === "=") {
      this.setBrush(this.brush() + 4);
    } else if (event.key === "-" || event.key === "_") {
      this.setBrush(this.brush() - 4);
    } else {
      return;
    }
    event.preventDefault();
  };

  MaskPainter.prototype.bind = function () {
    var self = this;
    var canvas = this.canvas;
    canvas.addEventListener("pointerdown", function (event) {
      canvas.setPointerCapture(event.pointerId);
      self.cursor = self.toCanvas(event);
      self.begin(self.cursor);
    });
    canvas.addEventListener("pointermove", function (event) {
      self.cursor = self.toCanvas(event);
      if (self.current && !self.spaceDown) {
        self.extend(self.cursor);
      } else {
        self.redraw();
      }
    });
    canvas.addEventListener("pointerup", function () {
      self.end();
    });
    canvas.addEventListener("keydown", function (event) {
      self.onKeyDown(event);
    });
    canvas.addEventListener("keyup", function (event) {
      if (event.key === " ") {
        self.spaceDown = false;
        self.end();
        event.preventDefault();
      }
    });
    this.brushInput.addEventListener("input", function () {
      self.redraw();
    });
    this.root.querySelector("[data-undo]").addEventListener("click", function () {
      self.strokes.pop();
      self.redraw();
    });
    this.root.querySelector("[data-clear]").addEventListener("click", function () {
      self.strokes = [];
      self.redraw();
    });
    this.root.closest("form").addEventListener("submit", function () {
      self.target.value = self.strokes.length ? self.maskDataUrl() : "";
    });
  };

  function start() {
    document.querySelectorAll("[data-mask-painter]").forEach(function (root) {
      root.maskPainter = new MaskPainter(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
