"""An enrolled participant with a thread: messaging's fixtures, used here as they are."""

from tests.messaging.conftest import enrollment, thread

__all__ = ["enrollment", "thread"]
