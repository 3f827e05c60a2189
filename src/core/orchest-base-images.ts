/**
 * Orchest's base images (`orchest/base-kernel-py`, …) by the image to use for each: Orchest's last
 * release (v2023.04.2) on Docker Hub unless BERTH_ORCHEST_IMAGES points a name at another image
 * (e.g. one built or loaded locally). A name with a tag of its own is used as it is.
 */
export const ORCHEST_BASE_IMAGES: Readonly<Record<string, string>> = {
  'orchest/base-kernel-py': 'docker.io/orchest/base-kernel-py:v2023.04.2',
  'orchest/base-kernel-py-gpu': 'docker.io/orchest/base-kernel-py-gpu:v2023.04.2',
  'orchest/base-kernel-r': 'docker.io/orchest/base-kernel-r:v2023.04.2',
  'orchest/base-kernel-julia': 'docker.io/orchest/base-kernel-julia:v2023.04.2',
  'orchest/base-kernel-javascript': 'docker.io/orchest/base-kernel-javascript:v2023.04.2',
};
