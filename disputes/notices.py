"""What the customer is told about their account, in English and Turkish."""

from datetime import datetime
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")


def restriction_lifted(at: datetime) -> tuple[str, str]:
    """(English, Turkish): the temporary restriction on the account is over."""
    when = at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    return (
        f"The temporary restriction placed on your account while we reviewed your recent claims was lifted on {when}. "
        "You can order as usual.",
        f"Son başvurularınızı incelerken hesabınıza konan geçici kısıtlama {when} tarihinde kaldırıldı. "
        "Alışverişinize her zamanki gibi devam edebilirsiniz.",
    )
