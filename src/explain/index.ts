/** Looking inside a network: filters, feature maps, saliency and Grad-CAM, and their pictures. */
export { type ColormapName, colormapNames, checkColormap, colormapRgb, colormapCss } from './colormap.js';
export {
  type Figure,
  type FigureRaster,
  type FigureText,
  type FigureRect,
  type PngEncoder,
  emptyFigure,
  colormapImage,
  figureToRgba,
  figureToSvg,
  encodeFigure,
  pictureFormat,
} from './figure.js';
export { type FittedImage, asModelInput, fitImageToModel, imagePicture, modelImageShape } from './image.js';
export { type Classification, classify, className, checkClassIndex, numClasses, findLayer, hasSpatialOutput, isConvLayer } from './layers.js';
export * from './filters.js';
export * from './activations.js';
export * from './saliency.js';
export * from './grad-cam.js';
export * from './map-geometry.js';
export * from './heatmap-figure.js';
export * from './adversarial.js';
export * from './charts.js';
export * from './model-data.js';
export * from './invariance.js';
export * from './report-figures.js';
export * from './html-report.js';
export * from './capsule-dimensions.js';
