"""The console's words in English and Turkish, and which of the two a request gets: the language the person
chose (a cookie), else the first of the two their browser's Accept-Language names, else Turkish."""

from collections.abc import Callable

from aiohttp import web

from disputes.policy.wording import STATUS_WORDS

LANGUAGES = ("tr", "en")
LANGUAGE_COOKIE = "console_lang"
DEFAULT = "tr"

# key: (English, Turkish)
TEXTS: dict[str, tuple[str, str]] = {
    "console": ("Dispute console", "Başvuru konsolu"),
    "skip": ("Skip to content", "İçeriğe geç"),
    "queue": ("Queue", "Kuyruk"),
    "reports": ("Reports", "Raporlar"),
    "sign_in": ("Sign in", "Giriş yap"),
    "sign_out": ("Sign out", "Çıkış yap"),
    "signed_in_as": ("Signed in as", "Giriş yapan"),
    "token": ("Bearer token", "Erişim anahtarı (token)"),
    "token_help": ("Paste the token you were given (investigator or supervisor).",
                   "Size verilen anahtarı yapıştırın (araştırmacı veya süpervizör)."),
    "token_refused": ("This token is not valid for the console.", "Bu anahtar konsol için geçerli değil."),
    "token_signed_out": ("You signed out with this token: sign in with a new one.",
                         "Bu anahtarla oturum kapatıldı: yeni bir anahtarla giriş yapın."),
    "dev_sign_in": ("Development sign-in (sandbox)", "Geliştirme girişi (sandbox)"),
    "staff_member": ("Staff member", "Personel"),
    "investigator": ("Investigator", "Araştırmacı"),
    "supervisor": ("Supervisor", "Süpervizör"),
    "customer": ("Customer", "Müşteri"),
    "agent": ("Customer service agent", "Müşteri temsilcisi"),
    "service": ("The service", "Sistem"),
    "language": ("Language", "Dil"),
    "filters": ("Filters", "Filtreler"),
    "apply": ("Apply", "Uygula"),
    "clear": ("Clear", "Temizle"),
    "digital": ("Digital delivery", "Dijital teslimat"),
    "any": ("Any", "Hepsi"),
    "true": ("Yes", "Evet"),
    "false": ("No", "Hayır"),
    "status": ("Status", "Durum"),
    "carrier": ("Carrier", "Kargo firması"),
    "assignee": ("Assignee", "Atanan"),
    "customer_id": ("Customer id", "Müşteri no"),
    "dispute_id": ("Dispute id", "Başvuru no"),
    "order_id": ("Order number", "Sipariş no"),
    "search": ("Search", "Ara"),
    "unassigned_filter": ("Unassigned", "Atanmamış"),
    "needs_supervisor_filter": ("Needs a supervisor", "Süpervizör gerekli"),
    "flagged": ("Flagged for abuse", "Kötüye kullanım işaretli"),
    "channel": ("Channel", "Kanal"),
    "order_page": ("order page", "sipariş sayfası"),
    "live_chat": ("live chat", "canlı destek"),
    "phone": ("phone", "telefon"),
    "email": ("e-mail", "e-posta"),
    "overdue_filter": ("Overdue", "Gecikmiş"),
    "due_today": ("Due today", "Bugün son gün"),
    "due_within_hours": ("Due within (hours)", "Son tarihe kalan (saat)"),
    "decided_from": ("Decided from", "Karar (başlangıç)"),
    "decided_to": ("Decided to", "Karar (bitiş)"),
    "export_csv": ("Export CSV", "CSV olarak indir"),
    "last_activity": ("Last activity", "Son işlem"),
    "overridden": ("Decided against the recommendation", "Öneriye aykırı karar"),
    "due_before": ("Due before", "Son tarih öncesi"),
    "opened_from": ("Opened from", "Açılış (başlangıç)"),
    "opened_to": ("Opened to", "Açılış (bitiş)"),
    "mine": ("Mine", "Bana atananlar"),
    "shown": ("shown", "gösterilen"),
    "overdue": ("overdue", "gecikmiş"),
    "unassigned": ("unassigned", "atanmamış"),
    "more_pages": ("more on the next page", "sonraki sayfada devamı var"),
    "next_page": ("Next page", "Sonraki sayfa"),
    "no_cases": ("No cases match.", "Eşleşen dosya yok."),
    "dispute": ("Dispute", "Başvuru"),
    "order": ("Order", "Sipariş"),
    "tracking_number": ("Tracking number", "Takip numarası"),
    "value": ("Value", "Tutar"),
    "resolution": ("Wants", "Talep"),
    "recommendation": ("Recommendation", "Öneri"),
    "confidence": ("confidence", "güven"),
    "priority": ("Priority", "Öncelik"),
    "flags": ("Flags", "İşaretler"),
    "decision_due": ("Decision due", "Karar son tarihi"),
    "opened_at": ("Opened", "Açıldı"),
    "statement": ("Customer's statement", "Müşterinin beyanı"),
    "messages": ("Messages", "Mesajlar"),
    "customer_image": ("Customer's image", "Müşterinin görseli"),
    "no_messages": ("No messages yet.", "Henüz mesaj yok."),
    "message_customer": ("Write to the customer", "Müşteriye yaz"),
    "send": ("Send", "Gönder"),
    "address": ("Delivery address", "Teslimat adresi"),
    "recipient": ("Recipient", "Alıcı"),
    "items": ("Items", "Ürünler"),
    "quantity": ("Qty", "Adet"),
    "carrier_proof": ("Carrier's proof", "Kargo firmasının teslimat kanıtı"),
    "no_proof": ("No proof from the carrier yet.", "Kargo firmasından henüz kanıt gelmedi."),
    "received_by": ("Received by", "Teslim alan"),
    "relation": ("Relation", "Yakınlık"),
    "place": ("Left at", "Bırakıldığı yer"),
    "delivered_at": ("Delivered", "Teslim"),
    "signature": ("Signature", "İmza"),
    "photo": ("Delivery photo", "Teslimat fotoğrafı"),
    "document": ("Document", "Belge"),
    "open_document": ("Open the document", "Belgeyi aç"),
    "image_elsewhere": ("Held at the carrier; not stored here.", "Kargo firmasında; burada saklanmıyor."),
    "deleted_after_retention": ("Deleted after retention.", "Saklama süresi dolduğu için silindi."),
    "map": ("Where it was delivered", "Teslim edildiği yer"),
    "map_none": ("No delivery coordinates to compare.", "Karşılaştırılacak teslim koordinatı yok."),
    "map_address": ("Order address", "Sipariş adresi"),
    "map_delivery": ("Delivery scan", "Teslimat taraması"),
    "distance": ("Distance", "Uzaklık"),
    "accuracy": ("GPS accuracy", "GPS doğruluğu"),
    "findings": ("Findings", "Bulgular"),
    "no_findings": ("Not assessed yet.", "Henüz değerlendirilmedi."),
    "evidence": ("evidence", "kanıt"),
    "supports_delivery": ("supports delivery", "teslimi destekliyor"),
    "against_delivery": ("against delivery", "teslime aykırı"),
    "neutral": ("neutral", "nötr"),
    "timeline": ("Timeline", "Zaman çizelgesi"),
    "notes": ("Notes", "Notlar"),
    "add_note": ("Add note", "Not ekle"),
    "note": ("Note", "Not"),
    "take": ("Take", "Üstlen"),
    "release": ("Release", "Bırak"),
    "request_evidence": ("Ask the carrier again", "Kargo firmasından kanıtı tekrar iste"),
    "assign": ("Assign", "Ata"),
    "assign_to": ("Assign to (staff id)", "Atanacak kişi (personel no)"),
    "ask_customer": ("Ask the customer", "Müşteriye sor"),
    "ask_customer_help": ("Answered by their next message; the decision deadline waits meanwhile.",
                          "Müşterinin bir sonraki mesajı yanıt sayılır; bu sırada karar süresi durur."),
    "ask": ("Ask", "Sor"),
    "decide": ("Decide", "Karar ver"),
    "outcome": ("Outcome", "Sonuç"),
    "reason_code": ("Reason", "Gerekçe"),
    "refund_to": ("Refund to", "İade yeri"),
    "per_line": ("Per claimed line", "Talep edilen her satır"),
    "per_line_help": ("A refund or reship decides each line: left as decided, it gets the outcome above; fewer than "
                      "claimed, the rest is rejected; a rejection of the claim rejects every line.",
                      "İade ya da yeniden gönderim her satır için karar verir: kararla aynı bırakılan satır yukarıdaki "
                      "sonucu alır; talep edilenden az adet seçilirse kalanı reddedilir; talebin reddi tüm satırları "
                      "reddeder."),
    "claimed": ("claimed", "talep edilen"),
    "already_paid": ("already refunded or reshipped", "önceden iade edilen ya da yeniden gönderilen"),
    "paid_in_full": ("all refunded or reshipped by earlier decisions",
                     "tümü önceki kararlarla iade edildi ya da yeniden gönderildi"),
    "payable_help": ("Earlier decisions refunded or reshipped what the table above shows: each line offers only the "
                     "units no decision has paid.",
                     "Önceki kararlarla iade edilen ya da yeniden gönderilenler yukarıdaki tabloda: her satırda yalnızca "
                     "henüz hiçbir kararla ödenmemiş adetler seçilebilir."),
    "compensated": ("Refunded or reshipped so far", "Şimdiye kadar iade edilen ya da yeniden gönderilen"),
    "decision_number": ("Decision", "Karar"),
    "as_decided": ("as decided", "kararla aynı"),
    "override_reason": ("Why against the recommendation", "Öneriye neden aykırı"),
    "override_help": ("Needed only when deciding against the recommendation.",
                      "Yalnızca öneriye aykırı karar verirken gerekir."),
    "supervisor_actions": ("Supervisor", "Süpervizör"),
    "clear_flags": ("Clear abuse flags", "Kötüye kullanım işaretlerini kaldır"),
    "reopen": ("Reopen", "Yeniden aç"),
    "restriction": ("Account restriction", "Hesap kısıtlaması"),
    "pending_review": ("pending review", "inceleme bekliyor"),
    "confirmed": ("confirmed", "onaylandı"),
    "lifted": ("lifted", "kaldırıldı"),
    "review_due": ("review by", "inceleme son tarihi"),
    "confirm_restriction": ("Confirm the restriction", "Kısıtlamayı onayla"),
    "lift_restriction": ("Lift the restriction", "Kısıtlamayı kaldır"),
    "reason": ("Reason", "Neden"),
    "stale": ("The case changed since you opened it. Review what changed, then decide again.",
              "Dosya siz açtıktan sonra değişti. Değişenleri inceleyip yeniden karar verin."),
    "what_changed": ("What changed", "Değişenler"),
    "case_changed": ("This case changed since this page was shown.", "Bu dosya, sayfa gösterildikten sonra değişti."),
    "reload_case": ("Reload it to see what changed (what you typed here and did not send is lost).",
                    "Değişenleri görmek için yeniden yükleyin (burada yazıp göndermedikleriniz kaybolur)."),
    "case_not_checked": ("Could not check whether this case changed.",
                         "Dosyanın değişip değişmediği kontrol edilemedi."),
    "queue_not_refreshed": ("The queue could not be refreshed: what it shows may be out of date.",
                            "Kuyruk yenilenemedi: gösterdikleri güncel olmayabilir."),
    "session_ended": ("Your session has ended: changes to this case cannot be checked until you sign in again.",
                      "Oturumunuz sona erdi: yeniden giriş yapana kadar bu dosyadaki değişiklikler denetlenemez."),
    "sign_in_elsewhere": ("Sign in again in a new tab (this page and what you typed stay here).",
                          "Yeni sekmede yeniden giriş yapın (bu sayfa ve yazdıklarınız burada kalır)."),
    "next_try": ("Next try at", "Bir sonraki deneme:"),
    "version": ("Version", "Sürüm"),
    "done": ("Saved.", "Kaydedildi."),
    "invalid": ("Please correct the form.", "Lütfen formu düzeltin."),
    "not_allowed": ("Not possible now", "Şu an yapılamaz"),
    "not_found": ("No such case.", "Böyle bir dosya yok."),
    "back_to_queue": ("Back to the queue", "Kuyruğa dön"),
    "period": ("Period", "Dönem"),
    "from": ("From", "Başlangıç"),
    "to": ("To", "Bitiş"),
    "show": ("Show", "Göster"),
    "decisions_by_carrier": ("Decisions by carrier", "Kargo firmasına göre kararlar"),
    "proof_quality": ("Proof quality by carrier", "Kargo firmasına göre kanıt kalitesi"),
    "carrier_liability": ("Carrier liability", "Kargo firması sorumluluğu"),
    "sla_over_time": ("Decided within the SLA, by week", "Haftalara göre süresinde verilen kararlar"),
    "with_signature": ("with signature", "imzalı"),
    "with_photo": ("with photo", "fotoğraflı"),
    "with_location": ("with location", "konumlu"),
    "liability": ("owed", "borç"),
    "no_data": ("No decided cases in this period.", "Bu dönemde karara bağlanmış dosya yok."),
    "week_of": ("week of {}", "{} haftası"),  # the day it starts
    "period_not_a_date": ("Give each day as a date (YYYY-MM-DD).", "Her günü tarih olarak yazın (YYYY-AA-GG)."),
    "period_out_of_range": ("Give days from {first} to {last}.", "{first} ile {last} arasındaki günleri seçin."),
    "period_reversed": ("The To day is before the From day.", "Bitiş günü, başlangıç gününden önce."),
    "period_too_long": ("A period is at most {days} days.", "Bir dönem en fazla {days} gündür."),
    "refund": ("refund", "iade"),
    "reship": ("reship", "yeniden gönderim"),
    "rejected": ("rejected", "ret"),
    "reject": ("reject", "ret"),
    "opened": ("opened", "açıldı"),
    "awaiting_evidence": ("awaiting evidence", "kanıt bekleniyor"),
    "under_review": ("under review", "inceleniyor"),
    "resolved": ("resolved", "sonuçlandı"),
    "withdrawn": ("withdrawn", "geri çekildi"),
    "appealed": ("appealed", "itiraz edildi"),
    "original_payment": ("original payment method", "orijinal ödeme yöntemi"),
    "wallet": ("wallet", "cüzdan"),
    "wait_for_customer_check": ("wait for the customer's check", "müşterinin kontrolünü bekle"),
    "needs_person": ("needs a person", "kişi kararı gerekli"),
    "needs_supervisor": ("needs a supervisor", "süpervizör gerekli"),
    "unauthenticated": ("Please sign in.", "Lütfen giriş yapın."),
    "csrf": ("The form expired; please try again.", "Formun süresi doldu; lütfen tekrar deneyin."),
    "too_large": ("The form is too long to take: please shorten the text and send it again.",
                  "Form alınamayacak kadar uzun: lütfen metni kısaltıp tekrar gönderin."),
    "rate_limited": ("Too many requests: please wait a moment, then try again.",
                     "Çok fazla istek: lütfen biraz bekleyip tekrar deneyin."),
}
# The codes a case carries, by kind ("reason.weak_proof"): the pages show the words, the forms send the codes.
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "reason": {
        "carrier_no_proof": ("Carrier cannot prove delivery", "Kargo firması teslimi kanıtlayamadı"),
        "weak_proof": ("Weak proof of delivery", "Zayıf teslimat kanıtı"),
        "lost_in_transit": ("Lost in transit", "Taşıma sırasında kayboldu"),
        "goodwill": ("Goodwill", "İyi niyet"),
        "proof_of_delivery": ("Delivery proven", "Teslim kanıtlandı"),
        "third_party_confirmed": ("A third party confirmed receipt", "Üçüncü kişi teslim aldığını doğruladı"),
        "suspected_abuse": ("Suspected abuse", "Kötüye kullanım şüphesi"),
        "deadline_reached": ("Deadline reached", "Süre doldu"),
        "digital_not_delivered": ("Digital item not delivered", "Dijital ürün teslim edilmedi"),
        "items_missing": ("Items missing", "Eksik ürün"),
        "digital_delivered": ("Code or link delivered", "Kod veya bağlantı teslim edildi"),
        "contents_confirmed": ("Package contents confirmed", "Paket içeriği doğrulandı"),
    },
    "proof": {status.value: words for status, words in STATUS_WORDS.items()},
    "relation": {
        "recipient": ("recipient", "alıcı"),
        "household_member": ("household member", "hane halkından biri"),
        "neighbour": ("neighbour", "komşu"),
        "doorman": ("doorman", "kapıcı"),
        "parcel_locker": ("parcel locker", "kargo dolabı"),
        "pickup_point": ("pickup point", "teslimat noktası"),
        "safe_place": ("safe place", "güvenli yer"),
        "unknown": ("unknown", "bilinmiyor"),
    },
    "flag": {
        "repeat_claims": ("repeated claims", "tekrarlanan başvurular"),
        "claim_soon_after_delivery": ("claim soon after delivery", "teslimattan hemen sonra başvuru"),
        "shared_address_claims": ("claims from a shared address", "aynı adresten başvurular"),
    },
    "rule": {  # the policy's rule behind a recommendation
        "awaiting_carrier_evidence": ("waiting for the carrier's evidence", "kargo firmasının kanıtı bekleniyor"),
        "no_proof_by_deadline": ("no proof by the deadline", "süresinde kanıt yok"),
        "weak_proof": ("weak proof", "zayıf kanıt"),
        "third_party_check": ("handed to a third party: the customer checks", "üçüncü kişiye teslim: müşteri kontrol ediyor"),
        "third_party_check_over": ("the customer's check is over", "müşterinin kontrol süresi bitti"),
        "strong_proof": ("strong proof", "güçlü kanıt"),
        "high_value_without_signature": ("high value without a signature", "yüksek tutar, imza yok"),
        "inconclusive_proof": ("inconclusive proof", "belirsiz kanıt"),
        "items_not_packed": ("items not packed", "ürünler pakete konmamış"),
        "packed_underweight": ("parcel lighter than packed", "paket paketlenenden hafif"),
        "missing_items_review": ("missing items to review", "eksik ürünler incelenmeli"),
        "customer_evidence": ("the customer's evidence to weigh", "müşterinin kanıtı değerlendirilmeli"),
        "awaiting_digital_record": ("waiting for the delivery record", "teslimat kaydı bekleniyor"),
        "digital_activated": ("code activated", "kod etkinleştirilmiş"),
        "digital_not_delivered": ("code or link never delivered", "kod veya bağlantı hiç iletilmemiş"),
        "digital_not_activated": ("delivered, not activated", "iletilmiş, etkinleştirilmemiş"),
    },
    "action": {  # what a timeline entry records
        "opened": ("opened", "açıldı"),
        "assessed": ("assessed", "değerlendirildi"),
        "images_deleted": ("images and carrier replies deleted under retention",
                           "görseller ve kargo firması yanıtları saklama süresi dolduğu için silindi"),
        "evidence_requested": ("evidence requested", "kanıt istendi"),
        "evidence_received": ("evidence received", "kanıt alındı"),
        "evidence_unchanged": ("evidence unchanged", "kanıt değişmedi"),
        "evidence_pull_failed": ("evidence could not be fetched", "kanıt alınamadı"),
        "evidence_limit_reached": ("evidence limit reached", "kanıt sınırına ulaşıldı"),
        "carrier_did_not_provide_proof": ("carrier gave no proof", "kargo firması kanıt sunmadı"),
        "digital_delivery_received": ("digital delivery record received", "dijital teslimat kaydı alındı"),
        "digital_delivery_unchanged": ("digital delivery record unchanged", "dijital teslimat kaydı değişmedi"),
        "assigned": ("assigned", "atandı"),
        "released": ("assignment released", "atama bırakıldı"),
        "note_added": ("note added", "not eklendi"),
        "staff_message": ("message from staff", "personel mesajı"),
        "customer_message": ("message from the customer", "müşteri mesajı"),
        "information_requested": ("information requested", "bilgi istendi"),
        "information_added": ("information added", "bilgi eklendi"),
        "information_request_expired": ("question to the customer expired", "müşteriye sorulan sorunun süresi doldu"),
        "accessibility_need_declared": ("accessibility need declared", "erişilebilirlik ihtiyacı bildirildi"),
        "restriction_raised": ("account restricted", "hesap kısıtlandı"),
        "restriction_confirmed": ("restriction confirmed", "kısıtlama onaylandı"),
        "restriction_lifted": ("restriction lifted", "kısıtlama kaldırıldı"),
        "flags_cleared": ("flags cleared", "işaretler kaldırıldı"),
        "personal_data_anonymised": ("personal data anonymised", "kişisel veriler anonimleştirildi"),
        "sla_escalated": ("escalated before the deadline", "son tarih yaklaştığı için yükseltildi"),
        "sla_deadline_reached": ("deadline reached", "son tarihe ulaşıldı"),
        "first_response_escalated": ("escalated before the first response deadline",
                                     "ilk yanıt süresi yaklaştığı için yükseltildi"),
        "first_response_missed": ("first response deadline missed", "ilk yanıt süresi kaçırıldı"),
        "decided": ("decided", "karar verildi"),
        "withdrawn": ("withdrawn", "geri çekildi"),
        "appealed": ("appealed", "itiraz edildi"),
        "reopened": ("reopened", "yeniden açıldı"),
        "attachment_viewed": ("attachment viewed", "ek görüntülendi"),
        "effect_parked": ("a message to a service was set aside: staff were told", "bir servise giden mesaj bekletildi: "
                          "personele bildirildi"),
        "attachment_views_limit_reached": ("attachment views no longer recorded", "ek görüntülemeleri artık kaydedilmiyor"),
    },
}
TEXTS |= {f"{kind}.{code}": words for kind, codes in CODES.items() for code, words in codes.items()}
# A digital order's delivery record, a question waiting for the customer's answer, the restriction form's safe Enter.
TEXTS |= {
    "delivery_record": ("Provider's delivery record", "Sağlayıcının teslimat kaydı"),
    "no_record_yet": ("no record from the provider yet", "sağlayıcıdan henüz kayıt gelmedi"),
    "never_sent": ("The provider has no record of sending the code or link.",
                   "Sağlayıcıda kodun ya da bağlantının gönderildiğine dair kayıt yok."),
    "sent_to": ("Sent to", "Gönderildiği yer"),
    "sent_at": ("Sent", "Gönderildi"),
    "code_or_link": ("Code or link", "Kod veya bağlantı"),
    "code_or_link_sent": ("in the message", "mesajda var"),
    "code_or_link_missing": ("not in the message", "mesajda yok"),
    "opened_at_record": ("Opened", "Açıldı"),
    "activated_at": ("Activated", "Etkinleştirildi"),
    "record_received": ("Record received", "Kayıt alındı"),
    "digital_state.not_sent": ("never sent", "hiç gönderilmedi"),
    "digital_state.link_missing": ("sent without the code or link", "kod ya da bağlantı olmadan gönderildi"),
    "digital_state.sent": ("sent, not opened", "gönderildi, açılmadı"),
    "digital_state.opened": ("opened, not activated", "açıldı, etkinleştirilmedi"),
    "digital_state.activated": ("activated", "etkinleştirildi"),
    "digital_channel.email": ("by e-mail", "e-posta ile"),
    "digital_channel.app": ("in the app", "uygulama üzerinden"),
    "digital_channel.sms": ("by SMS", "SMS ile"),
    "digital_channel.unknown": ("channel not stated", "kanal belirtilmemiş"),
    "waiting_for_customer": ("Question to the customer", "Müşteriye sorulan soru"),
    "answer_by": ("answer by", "yanıt son tarihi"),
    "deadline_waits": ("the decision deadline waits meanwhile", "bu sırada karar süresi durur"),
    "restriction_choose": ("Confirm or lift the restriction with its button", "Kısıtlamayı düğmesiyle onaylayın ya da kaldırın"),
}
# Why a form was refused, in Turkish, by the domain error's code (its problem type, which is stable): a Turkish page
# says this where an English one shows the error's detail, which is in English.
PROBLEMS_TR: dict[str, str] = {
    "forbidden": "Bunu rolünüzle yapamazsınız; bir süpervizör yapabilir.",
    "staff-inactive": "Personel kaydınız başvurular üzerinde çalışmanıza izin vermiyor.",
    "illegal-transition": "Başvurunun şu anki durumunda bu yapılamaz.",
    "compensation-issued": "Bu başvuru için iade veya yeniden gönderim zaten yapıldı.",
    "contended": "Başvuru şu an başka değişikliklerle meşgul; biraz sonra tekrar deneyin.",
    "stale-version": "Başvuru, siz açtıktan sonra değişti.",
    "unprocessable": "Form bir kurala uymuyor.",
    "no-flags": "Başvuruda kötüye kullanım işareti yok.",
    "no-restriction": "Başvuru bir hesap kısıtlamasına yol açmadı.",
    "restriction-reviewed": "Kısıtlama zaten onaylandı ya da kaldırıldı.",
    "questions-closed": "Başvuru şu anki durumunda müşteriye soru sorulmasına izin vermiyor.",
    "question-pending": "Müşteri açık soruyu henüz yanıtlamadı.",
    "too-many-questions": "Bu inceleme müşteriye sorabileceği kadar soru sordu.",
    "evidence-requests-closed": "Başvuru şu anki durumunda kanıt talebi almıyor.",
    "not-assignable": "Başvuru şu anki durumunda atanamaz.",
    "case-anonymised": "Başvurudaki kişisel veriler anonimleştirildi; yeniden incelenemez.",
    "assigned-to-another": "Başvuru başka bir araştırmacıya atanmış.",
    "not-assigned": "Başvuru kimseye atanmamış.",
    "case-closed": "Başvuru şu anki durumunda bilgi almıyor.",
    "too-many-submissions": "Başvuru alabileceği kadar ek aldı.",
    "override-reason-required": "Öneriye aykırı bir karar için \"Öneriye neden aykırı\" alanını doldurun.",
    "signature-required": "Yüksek değerli bir siparişi reddetmek için kargo firmasının teslimat kanıtında imza gerekir ve "
                          "imza yok; bir süpervizör, öneriye neden aykırı olduğunu yazarak reddedebilir.",
    "reason-does-not-fit-outcome": "Gerekçe, sonuca uymuyor.",
    "reason-does-not-fit-claim": "Gerekçe, bu tür başvuruya uymuyor.",
    "not-reshippable": "Bu ürünler yeniden gönderilemez.",
    "invalid-line-outcomes": "Satırlar için seçilen sonuçlar talebe uymuyor.",
    "unknown-staff": "Personel listesinde bu numarayla kimse yok.",
    "inactive-staff": "Bu personel aktif değil.",
}


def language(request: web.Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return accepted(request.headers.get("Accept-Language", ""))


def accepted(header: str) -> str:
    """The first of our languages in an Accept-Language header, by its q-value (ties: the order written)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def in_language(words: tuple[str, str], lang: str) -> str:
    """The English or the Turkish of a pair written (English, Turkish), as the language asks."""
    return words[0] if lang == "en" else words[1]


def percent(share: float, lang: str) -> str:
    """A share (0..1) in whole percent as the language writes it: "82%" in English, "%82" in Turkish."""
    whole = f"{share * 100:.0f}"
    return f"{whole}%" if lang == "en" else f"%{whole}"


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        texts = TEXTS.get(key)
        return in_language(texts, lang) if texts else key

    return t
