import { Option } from 'commander';
import { testTimeAugmentations } from '../train/index.js';

/** `--tta none|flip`, shared by the commands that report test accuracy. */
export function ttaOption(): Option {
  return new Option(
    '--tta <mode>',
    'test-time augmentation: flip averages the outputs for each test image and its mirror image (objects and clothes; not digits, whose classes mirroring changes)',
  )
    .choices(testTimeAugmentations)
    .default('none');
}
