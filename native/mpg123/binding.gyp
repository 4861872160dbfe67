# Built by npm's bundled node-gyp when the optional dependency installs. package.json names that install
# script explicitly: for a linked local folder, npm ci runs no implicit node-gyp step (npm install does).
# node's common.gypi builds the Release configuration at -O3; the decoding itself runs in the system's
# libmpg123, which picks its SIMD synthesis (SSE/AVX) at run time.
{
  "targets": [
    {
      "target_name": "groovematch_mpg123",
      "sources": ["mpg123.c"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-lmpg123"]
    }
  ]
}
