/// ONNX import and export for Duet networks (issue 8; being built).
import DuetWorkload
