import { Option } from 'commander';
import { testTimeAugmentations } from '../train/index.js';

/** `--tta none|flip`, shared by the commands that report test accuracy. */
export function ttaOption(): Option {
  return new Option(
    '--tta <mode>',
    'test-time augmentation: flip averages the outputs for each test image and its mirror image; flip-translate adds the flip averages of the image moved 1 px up-left and down-right (airbench\'s 6 views) (objects and clothes; not digits, whose classes mirroring changes)',
  )
    .choices(testTimeAugmentations)
    .default('none');
}
