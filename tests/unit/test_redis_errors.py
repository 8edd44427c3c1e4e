import pytest
from redis.exceptions import AuthenticationError, ConnectionError, TimeoutError

from bot.errors import ConfigError
from bot.services.redis_errors import checked_url, describe_failure, masked


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://user:p%40ss@host:6380", "rediss://user:***@host:6380"),
        ("redis://s3cret@host/0", "redis://***@host/0"),
        ("redis://host/0?password=s3cret&db=2", "redis://host/0?password=***&db=2"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
        ("redis://:a@b@host/0", "redis://:***@host/0"),
    ],
)
def test_masked_hides_every_password(url: str, shown: str) -> None:
    assert masked(url) == shown


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (AuthenticationError("invalid username-password pair"), "refused the credentials"),
        (ConnectionError("Error 111 connecting to host:6379."), "is unreachable"),
        (TimeoutError("Timeout reading from host:6379"), "timed out"),
    ],
)
def test_a_failure_is_one_line_naming_redis_url(exc: Exception, says: str) -> None:
    line = str(describe_failure(exc, "redis://:s3cret@host:6379/0"))
    assert line.startswith("Redis at REDIS_URL=redis://:***@host:6379/0 ")
    assert says in line
    assert "s3cret" not in line
    assert "\n" not in line


def test_the_embedded_server_is_named_as_such() -> None:
    line = str(describe_failure(ConnectionError("No such file"), None))
    assert line.startswith("the embedded Redis (REDIS_URL is unset) is unreachable")


def test_an_unparsable_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"REDIS_URL=redis://:\*\*\*@h:notaport/0 is not a valid"):
        checked_url("redis://:s3cret@h:notaport/0")
    assert checked_url(None) is None
    assert checked_url("unix:///run/redis.sock") == "unix:///run/redis.sock"
