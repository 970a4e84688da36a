# Copyright 2025 Google LLC
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Import Rocky linux 8 from spack that contains pre-installed spack
FROM spack/rockylinux8:sha256:c530b10099eeedad9d384ffc7419f355d93289b2e615143256186406ee04e275 AS spack-builder

# Install build packages
RUN dnf update -y && \
    dnf install -y \
    sudo \
    gcc-c++ \
    gcc-gfortran \
    make \
    tar \
    git \
    wget \
    xz \
    patch \
    bzip2 \
    && dnf clean all
