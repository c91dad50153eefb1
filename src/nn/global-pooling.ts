import { ShapeError } from '../errors.js';
import { globalAvgPool2d, globalMaxPool2d, reshape } from '../ops/index.js';
import { formatShape, type Shape, type Tensor } from '../tensor/index.js';
import { type CallContext, Layer, type LayerConfig, type LayerDescription } from './layer.js';

export interface GlobalPool2DArgs {
  /** Keep the spatial axes as 1×1 (output [1, 1, C]) instead of dropping them (output [C]). */
  keepdims?: boolean;
  name?: string;
}

abstract class GlobalPool2D extends Layer {
  readonly keepdims: boolean;

  constructor(args: GlobalPool2DArgs = {}) {
    super(args.name);
    this.keepdims = args.keepdims ?? false;
  }

  protected abstract pool(x: Tensor): Tensor;

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3 || inputShape.some((d) => d < 1)) {
      throw new ShapeError(`layer '${this.name}' (${this.type}) needs input [height, width, channels] with every size at least 1, got ${formatShape(inputShape)}`);
    }
    return this.keepdims ? [1, 1, inputShape[2]] : [inputShape[2]];
  }

  call(x: Tensor, _context: CallContext): Tensor {
    const y = this.pool(x);
    return this.keepdims ? reshape(y, [x.shape[0], 1, 1, x.shape[3]]) : y;
  }

  override describe(): LayerDescription {
    return { detail: this.keepdims ? 'keepdims' : '' };
  }

  getConfig(): LayerConfig {
    return { type: this.type, name: this.name, keepdims: this.keepdims };
  }
}

/** Mean of each channel over the whole feature map: [H, W, C] → [C]. */
export class GlobalAveragePooling2D extends GlobalPool2D {
  readonly type = 'GlobalAveragePooling2D';
  protected pool(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}

/** Maximum of each channel over the whole feature map: [H, W, C] → [C]. */
export class GlobalMaxPooling2D extends GlobalPool2D {
  readonly type = 'GlobalMaxPooling2D';
  protected pool(x: Tensor): Tensor {
    return globalMaxPool2d(x);
  }
}
