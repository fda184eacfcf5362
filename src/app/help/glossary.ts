/**
 * Every figure the studio shows, in plain words: what it measures, which way is better, and what
 * "good" looks like. The Help dialog lists them; the Evaluate stage links here. Plain data, tested
 * for completeness.
 */
export interface GlossaryEntry {
  id: string;
  term: string;
  /** What it measures, in plain words. */
  meaning: string;
  /** What good looks like, read against the floor where there is one. */
  good: string;
}

export const GLOSSARY: GlossaryEntry[] = [
  {
    id: 'floor',
    term: 'Floor (real-vs-real)',
    meaning:
      'The same figure computed between two sets of real images: held-out (validation) images against the training images. Real images of different patients are not identical, so even a perfect generator cannot do better than this.',
    good: 'Read every figure against its floor. A synthetic figure at the floor means "as close as real images get"; ten times the floor means clearly different.',
  },
  {
    id: 'frd',
    term: 'FRD (Fréchet Radiomics Distance)',
    meaning:
      'Describes every image by radiomics features (intensity statistics and texture measures such as GLCM, on the image and on filtered views), fits a bell curve to each set, and measures how far apart the two curves are. It compares whole sets, not single images.',
    good: 'Lower is closer. Near the floor is good; a few times the floor is part way; tens of times the floor is far. Compare only at the same image count, size and features.',
  },
  {
    id: 'fid',
    term: 'FID (Fréchet Inception Distance)',
    meaning: 'The same distance as FRD, on features from the Inception-v3 network trained on everyday photographs (your own weights file). Common in papers, but the network has never seen a scan.',
    good: 'Lower is closer; read it against its floor, never against FID figures from other papers or other image sizes.',
  },
  {
    id: 'kid',
    term: 'KID (Kernel Inception Distance), shown × 10³',
    meaning: 'Another distance between the two sets of features, less biased than FRD/FID when there are few images. Its values are tiny, so the studio multiplies them by 1,000. It can dip slightly below 0 by chance.',
    good: 'Near 0 and near the floor is good; the ± is its spread over random subsets, so differences smaller than it mean nothing.',
  },
  {
    id: 'precision',
    term: 'Precision',
    meaning: 'The share of synthetic images that fall among real images (inside the neighbourhood of some real image, with k neighbours): how realistic the synthetic images are.',
    good: 'Close to the floor (often 0.6–0.9). Near 0: the synthetic images look like nothing real.',
  },
  {
    id: 'recall',
    term: 'Recall',
    meaning: 'The share of real images that fall among the synthetic images: how much of the real variety the model covers.',
    good: 'Close to the floor. Low recall with high precision means realistic but too few kinds of image (often mode collapse).',
  },
  {
    id: 'density',
    term: 'Density',
    meaning: 'Like precision, but counts how many real neighbourhoods contain each synthetic image, so it rewards images that sit where real ones are dense.',
    good: 'About 1 when synthetic and real images match; well below 1 means outliers, well above 1 means crowding around typical images.',
  },
  {
    id: 'coverage',
    term: 'Coverage',
    meaning: 'The share of real images that have at least one synthetic image close by. Like recall, but not fooled by a few odd synthetic images.',
    good: 'Close to the floor. Low coverage means whole kinds of real image are missing.',
  },
  {
    id: 'ssim',
    term: 'SSIM (structural similarity)',
    meaning: 'Compares two images patch by patch: brightness, contrast and structure. 1 means identical; 0 means unrelated. The studio often shows 1 − SSIM, a distance where 0 means identical.',
    good: 'For a reconstruction, close to 1. Between a synthetic image and its nearest training image, not close to 1: that would be a copy.',
  },
  {
    id: 'diversity',
    term: 'Similarity within the set (mean pairwise SSIM)',
    meaning: 'How alike the images of one set are to each other, averaged over many pairs. Lower means more diverse.',
    good: 'About the same as the real set. Far higher than the real set is a sign of mode collapse.',
  },
  {
    id: 'ms-ssim',
    term: 'MS-SSIM',
    meaning: 'SSIM at five scales, from fine detail to coarse shape. It needs images of at least 161 px.',
    good: 'Close to 1 for a good reconstruction.',
  },
  {
    id: 'psnr',
    term: 'PSNR (peak signal-to-noise ratio)',
    meaning: 'How large the pixel errors between an image and its reconstruction are, in decibels, on a log scale. Identical images give infinity.',
    good: 'Higher is better: above about 30 dB differences are hard to see; below 20 dB they are obvious.',
  },
  {
    id: 'mse',
    term: 'MSE and MAE',
    meaning: 'The mean squared and the mean absolute difference of pixel values between an image and its reconstruction, on a 0–1 scale.',
    good: 'Lower is better; 0 means identical.',
  },
  {
    id: 'memorisation',
    term: 'Memorisation audit (nearest-training distances)',
    meaning:
      'For each synthetic image the studio finds its nearest training image twice: by 1 − SSIM (pixels) and by distance in radiomics features (texture). Each threshold is the 1st percentile of how close held-out real images come to the training images.',
    good: 'Few synthetic images below the thresholds. By construction each criterion alone flags about 1 % of genuinely new images.',
  },
  {
    id: 'likely-copies',
    term: 'Likely copies',
    meaning: 'Synthetic images closer to a training image than held-out real images come, by both pixels and features at once. A copy is close in both; a new image rarely is.',
    good: 'Zero, or as few as the held-out rate shown beside it. Look at every flagged pair before sharing synthetic images: a copy can reproduce a patient.',
  },
  {
    id: 'collapse',
    term: 'Mode collapse',
    meaning: 'A generator that makes the same few images again and again. The studio rates every sample grid by how alike its images are compared with real images of the same class.',
    good: 'No collapse warning. A collapsed model can pass the memorisation audit (it copies nothing) and still be useless.',
  },
  {
    id: 'near-duplicates',
    term: 'Near-duplicates across splits (import)',
    meaning: 'Two almost identical images, one in training and one held out (for example the same scan saved twice). Evaluation on held-out images is then partly evaluation on training data.',
    good: 'None. Move the held-out image into training, or drop it, before saving the dataset.',
  },
  {
    id: 'n',
    term: 'N (number of images)',
    meaning: 'How many images a figure rests on. Distances such as FRD, FID and KID are biased upwards and noisy below about 500 images per side.',
    good: 'Compare figures only at equal N; prefer 500 or more on each side.',
  },
  {
    id: 'visual-turing',
    term: 'Reader study accuracy (visual Turing test)',
    meaning:
      'The share of images whose kind (real or synthetic) a reader named correctly in a blinded study. Sensitivity is the share of synthetic images called synthetic, specificity the share of real images called real; the p value is an exact two-sided binomial test against 50 % (guessing).',
    good: 'For realistic synthetic images, near 50 % with p ≥ 0.05: readers could not tell them apart. Published CT studies found 59–70 %.',
  },
  {
    id: 'kappa',
    term: "Cohen's κ and Fleiss' κ (agreement between readers)",
    meaning:
      "How much readers agree with each other beyond what chance alone would give: Cohen's κ for two readers, Fleiss' κ for more. 0 is chance agreement, 1 perfect agreement.",
    good: 'Low κ (≤ 0.2, "slight") with accuracy near 50 % means readers guessed differently: nothing in the images gave the kind away consistently.',
  },
];

export const glossaryEntry = (id: string) => GLOSSARY.find((e) => e.id === id);
