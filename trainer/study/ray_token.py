"""Joining a Ray cluster that has token authentication on, with Ray's token where Ray keeps it.

Ray 2.60 turns token authentication on for a head node that finds a token, but a process
that joins a cluster by its address does not look for one unless RAY_AUTH_MODE=token is
set: it retries for half a minute, printing a C++ warning a second, and fails. So before
joining, join_as_ray_would(address):

  1. asks the cluster's GCS for its id without a token (one gRPC call, well under a second):
     a cluster without authentication answers, and nothing more is needed;
  2. if it answers "unauthenticated", looks for the token as Ray does (RAY_AUTH_TOKEN, the
     file RAY_AUTH_TOKEN_PATH names, ~/.ray/auth_token), asks again with it, and if the
     cluster accepts it turns token mode on for this process (and the trials it starts);
  3. otherwise raises a ValueError of one line saying that token authentication is on and
     how to give the token.
"""

import os
import sys

AUTH_MODE = "RAY_AUTH_MODE"
TOKEN_ENV = "RAY_AUTH_TOKEN"
TOKEN_PATH_ENV = "RAY_AUTH_TOKEN_PATH"
DEFAULT_TOKEN_PATH = os.path.join("~", ".ray", "auth_token")
HOW_TO_GIVE = (f"copy the head node's {DEFAULT_TOKEN_PATH} to this machine's {DEFAULT_TOKEN_PATH}, or set "
               f"{TOKEN_ENV} to it")
# The GCS method every Ray client calls first; an empty request is its whole message.
CLUSTER_ID_METHOD = "/ray.rpc.NodeInfoGcsService/GetClusterId"
PROBE_TIMEOUT_S = 5.0


def find_token():
    """(token, where it came from) as Ray looks for it, or (None, None); a ValueError if
    RAY_AUTH_TOKEN_PATH names a file that cannot be read (Ray would abort on it)."""
    if os.environ.get(TOKEN_ENV, "").strip():
        return os.environ[TOKEN_ENV].strip(), TOKEN_ENV
    path = os.environ.get(TOKEN_PATH_ENV)
    if path:
        try:
            with open(os.path.expanduser(path)) as f:
                return f.read().strip(), path
        except OSError as error:
            raise ValueError(f"{TOKEN_PATH_ENV}={path} cannot be read ({(error.strerror or 'error').lower()}); "
                             f"point it at the cluster's token file") from None
    path = os.path.expanduser(DEFAULT_TOKEN_PATH)
    if os.path.isfile(path):
        with open(path) as f:
            token = f.read().strip()
        if token:
            return token, DEFAULT_TOKEN_PATH
    return None, None


def accepts(address, token=None):
    """Whether the GCS at address answers a client with this token (None: no token). Any
    failure other than "unauthenticated" counts as yes: joining will report it."""
    import grpc

    metadata = [("authorization", f"Bearer {token}")] if token else None
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(CLUSTER_ID_METHOD, request_serializer=lambda _: b"",
                                   response_deserializer=lambda raw: raw)
        try:
            call(None, timeout=PROBE_TIMEOUT_S, metadata=metadata)
        except grpc.RpcError as error:
            return error.code() != grpc.StatusCode.UNAUTHENTICATED
    return True


def _turn_token_mode_on():
    """RAY_AUTH_MODE=token for this process and what it starts. Ray reads its settings once, so
    if it is loaded already they are read again (what Ray itself does when it turns token
    mode on; a private call, kept here alone)."""
    os.environ[AUTH_MODE] = "token"
    if "ray" in sys.modules:
        from ray._raylet import Config

        Config.initialize("")


def join_as_ray_would(address):
    """Prepares this process to join the cluster at address (see the module docstring); a
    ValueError of one line if the cluster wants a token this machine does not have."""
    if accepts(address):
        return
    mode = os.environ.get(AUTH_MODE, "").lower()
    if mode and mode != "token":
        raise ValueError(f"the Ray cluster at {address} has token authentication on, but {AUTH_MODE}={mode} here; "
                         f"unset {AUTH_MODE} (or set it to token) and give the cluster's token: {HOW_TO_GIVE}")
    token, source = find_token()
    if token is None:
        raise ValueError(f"the Ray cluster at {address} has token authentication on and no token was found here "
                         f"({TOKEN_ENV}, {TOKEN_PATH_ENV} or {DEFAULT_TOKEN_PATH}); {HOW_TO_GIVE}")
    if not accepts(address, token):
        raise ValueError(f"the Ray cluster at {address} has token authentication on and refused the token in "
                         f"{source}; {HOW_TO_GIVE}")
    _turn_token_mode_on()
