# ruff: noqa: E501 - email HTML and marketing copy read better unbroken, with their own quotes and dashes
"""Demo email templates for ``make run``: the ones the gallery journeys send (by name).

Every template is a responsive email: a table-based, 600 px wide single column that fills the
screen on phones (a media query in ``<style data-css-inline="keep">``, which css-inline leaves
in place while it inlines the rest), a preheader, a button and a footer with the company name
and ``{{ unsubscribe_url }}``. Greetings fall back gracefully: ``{{ contact.first_name |
default("there") }}``. Welcome, the two nurture emails, Cart reminder, We miss you and Review
request also come in German, Dutch and Swedish (informal: du, je, du).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from journeys.emails.services.templates import template_save
from journeys.models import EmailTemplate

COMPANY = "Flowbuilder Shop"
SHOP = "https://shop.example.com"
SENDER_EMAIL = "hello@shop.example.com"


@dataclass(frozen=True)
class Email:
    """One language version of a demo email; ``body`` is HTML paragraphs (Jinja allowed)."""

    subject: str
    preheader: str
    headline: str
    body: str
    button: str = ""
    url: str = ""


@dataclass(frozen=True)
class Footer:
    why: str
    unsubscribe: str
    signoff: str


FOOTERS = {
    "en": Footer(
        "You are getting this email because you signed up at Flowbuilder Shop.",
        "Unsubscribe",
        "Cheers,<br>The Flowbuilder Shop team",
    ),
    "de": Footer(
        "Du bekommst diese E-Mail, weil du dich bei Flowbuilder Shop angemeldet hast.",
        "Abmelden",
        "Viele Grüße<br>dein Team von Flowbuilder Shop",
    ),
    "nl": Footer(
        "Je ontvangt deze e-mail omdat je je hebt aangemeld bij Flowbuilder Shop.",
        "Afmelden",
        "Groetjes,<br>het team van Flowbuilder Shop",
    ),
    "sv": Footer(
        "Du får det här mejlet eftersom du har registrerat dig hos Flowbuilder Shop.",
        "Avsluta prenumerationen",
        "Hälsningar,<br>teamet på Flowbuilder Shop",
    ),
}

HI = {
    "en": "<p>Hi {{ contact.first_name | default('there') }},</p>",
    "de": "<p>Hallo {{ contact.first_name | default('du') }},</p>",
    "nl": "<p>Hoi {{ contact.first_name | default('daar') }},</p>",
    "sv": "<p>Hej {{ contact.first_name | default('där') }}!</p>",
}

LAYOUT = """<!doctype html>
<html lang="@@LANG@@">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>Flowbuilder Shop</title>
<style>
  body { margin: 0; padding: 0; background: #f4f5f7; }
  .wrapper { background: #f4f5f7; }
  .outer { padding: 32px 16px; }
  .header { padding: 0 8px 20px; font-family: Helvetica, Arial, sans-serif; font-size: 18px; line-height: 24px; font-weight: bold; color: #1d2230; }
  .mark { display: inline-block; width: 28px; height: 28px; margin-right: 8px; border-radius: 8px; background: #4f46e5; color: #ffffff; font-size: 16px; line-height: 28px; text-align: center; vertical-align: middle; }
  .card { background: #ffffff; border-radius: 16px; border: 1px solid #e3e6eb; }
  .accent { height: 6px; background: #4f46e5; border-radius: 16px 16px 0 0; font-size: 0; line-height: 0; }
  .content { padding: 40px 48px 32px; font-family: Helvetica, Arial, sans-serif; font-size: 16px; line-height: 26px; color: #1d2230; }
  h1 { margin: 0 0 20px; font-size: 28px; line-height: 34px; font-weight: bold; color: #1d2230; }
  p { margin: 0 0 16px; }
  ol, ul { margin: 0 0 16px; padding-left: 22px; }
  li { margin: 0 0 8px; }
  .note { margin: 8px 0 24px; padding: 18px 22px; border-radius: 12px; background: #f1f1ff; color: #3730a3; }
  .big { display: block; font-size: 30px; line-height: 38px; font-weight: bold; }
  .quote { margin: 8px 0 24px; padding: 4px 0 4px 18px; border-left: 4px solid #4f46e5; font-style: italic; color: #3d4352; }
  .stars { color: #f5a524; font-size: 28px; letter-spacing: 4px; text-decoration: none; }
  .button-wrap { padding: 8px 0 24px; }
  .button { border-radius: 10px; background: #4f46e5; }
  .button a { display: inline-block; padding: 14px 28px; font-family: Helvetica, Arial, sans-serif; font-size: 16px; line-height: 20px; font-weight: bold; color: #ffffff; text-decoration: none; border-radius: 10px; }
  .signoff { margin: 0; color: #5d6577; }
  .footer { padding: 24px 24px 8px; font-family: Helvetica, Arial, sans-serif; font-size: 12px; line-height: 18px; color: #8a91a0; text-align: center; }
  .footer p { margin: 0 0 8px; }
  .footer a { color: #5d6577; text-decoration: underline; }
</style>
<style data-css-inline="keep">
  @media only screen and (max-width: 620px) {
    .container { width: 100% !important; }
    .outer { padding: 16px 8px !important; }
    .content { padding: 28px 22px 20px !important; }
    h1 { font-size: 24px !important; line-height: 30px !important; }
    .button-table { width: 100% !important; }
    .button a { display: block !important; text-align: center !important; }
  }
</style>
</head>
<body>
<table role="presentation" class="wrapper" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td align="center" class="outer">
  <table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px">
    <tr><td class="header"><span class="mark">F</span>Flowbuilder Shop</td></tr>
    <tr><td class="card">
      <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
        <tr><td class="accent">&nbsp;</td></tr>
        <tr><td class="content">
<h1>@@HEADLINE@@</h1>
@@HI@@
@@BODY@@
@@BUTTON@@
<p class="signoff">@@SIGNOFF@@</p>
        </td></tr>
      </table>
    </td></tr>
    <tr><td class="footer">
      <p><strong>Flowbuilder Shop</strong> · Example Street 1 · 10115 Berlin</p>
      <p>@@WHY@@ <a href="{{ unsubscribe_url }}">@@UNSUBSCRIBE@@</a></p>
    </td></tr>
  </table>
</td></tr>
</table>
</body>
</html>
"""

BUTTON = """<table role="presentation" class="button-wrap" cellpadding="0" cellspacing="0" border="0"><tr><td>
<table role="presentation" class="button-table" cellpadding="0" cellspacing="0" border="0"><tr>
<td class="button" align="center" bgcolor="#4f46e5"><a href="@@URL@@">@@LABEL@@</a></td>
</tr></table>
</td></tr></table>"""


def email_html(language: str, email: Email, *, greeting: bool = True) -> str:
    """The full HTML of one language version, in the shared layout."""
    footer = FOOTERS.get(language, FOOTERS["en"])
    button = BUTTON.replace("@@URL@@", email.url).replace("@@LABEL@@", email.button) if email.button else ""
    parts = {
        "@@LANG@@": language,
        "@@HEADLINE@@": email.headline,
        "@@HI@@": HI.get(language, HI["en"]) if greeting else "",
        "@@BODY@@": email.body,
        "@@BUTTON@@": button,
        "@@SIGNOFF@@": footer.signoff,
        "@@WHY@@": footer.why,
        "@@UNSUBSCRIBE@@": footer.unsubscribe,
    }
    html = LAYOUT
    for placeholder, value in parts.items():
        html = html.replace(placeholder, value)
    return html


def starter_html(language: str = "en") -> str:
    """What a new template starts with in the editor: the layout, with words to replace."""
    return email_html(
        language,
        Email(
            subject="",
            preheader="",
            headline=_("Your headline"),
            body="<p>{}</p>".format(_("Write your message here. Keep it short and say what the reader gets.")),
            button=_("Call to action"),
            url=SHOP,
        ),
    )


def _p(*paragraphs: str) -> str:
    return "\n".join(f"<p>{text}</p>" for text in paragraphs)


def _list(tag: str, *items: str) -> str:
    return f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def _note(big: str, small: str) -> str:
    return f'<p class="note"><span class="big">{big}</span>{small}</p>'


def _quote(text: str, who: str) -> str:
    return f'<p class="quote">{text}<br><span style="font-style:normal">— {who}</span></p>'


TEMPLATES: dict[str, dict[str, Email]] = {
    "Welcome": {
        "en": Email(
            "{{ contact.first_name | default('Hey') }}, welcome to Flowbuilder Shop",
            "Good to have you here. This is what happens next.",
            "Welcome aboard!",
            _p(
                "Thanks for signing up — we are really glad you are here.",
                "Over the next few days we will send you a handful of short emails with the best ways to get more out of your account. No spam, promised.",
            ),
            "Get started",
            f"{SHOP}/start",
        ),
        "de": Email(
            "{{ contact.first_name | default('Hallo') }}, willkommen bei Flowbuilder Shop",
            "Schön, dass du da bist. So geht es jetzt weiter.",
            "Willkommen an Bord!",
            _p(
                "danke für deine Anmeldung – wir freuen uns sehr, dass du dabei bist.",
                "In den nächsten Tagen schicken wir dir ein paar kurze E-Mails mit den besten Tipps, wie du mehr aus deinem Konto herausholst. Kein Spam, versprochen.",
            ),
            "Jetzt loslegen",
            f"{SHOP}/start",
        ),
        "nl": Email(
            "{{ contact.first_name | default('Hoi') }}, welkom bij Flowbuilder Shop",
            "Leuk dat je er bent. Dit gebeurt er nu.",
            "Welkom aan boord!",
            _p(
                "Bedankt voor je aanmelding – we zijn blij dat je erbij bent.",
                "De komende dagen sturen we je een paar korte e-mails met de beste tips om meer uit je account te halen. Geen spam, beloofd.",
            ),
            "Aan de slag",
            f"{SHOP}/start",
        ),
        "sv": Email(
            "{{ contact.first_name | default('Hej') }}, välkommen till Flowbuilder Shop",
            "Kul att du är här. Så här går det till nu.",
            "Välkommen ombord!",
            _p(
                "Tack för att du registrerade dig – vi är så glada att du är med.",
                "Under de kommande dagarna skickar vi dig några korta mejl med de bästa tipsen för att få ut mer av ditt konto. Ingen spam, det lovar vi.",
            ),
            "Kom igång",
            f"{SHOP}/start",
        ),
    },
    "Getting started": {
        "en": Email(
            "Three tips to get started",
            "Most people begin with these — each takes two minutes.",
            "Three tips to get going",
            "<p>This is where most people start:</p>"
            + _list(
                "ol",
                "<strong>Complete your profile</strong>, so what we send you fits.",
                "<strong>Import your contacts</strong> from a spreadsheet in one go.",
                "<strong>Start from a ready-made journey</strong> and make it your own.",
            ),
            "Open your account",
            f"{SHOP}/start",
        ),
    },
    "Welcome reminder": {
        "en": Email(
            "Did you see our welcome?",
            "A quick reminder — your account is ready.",
            "Your account is ready",
            _p(
                "Our welcome email may have slipped through the cracks, so here it is again in short: your account is set up and waiting for you."
            ),
            "Open your account",
            f"{SHOP}/start",
        ),
    },
    "Nurture: how teams use Flowbuilder": {
        "en": Email(
            "How teams like yours use Flowbuilder",
            "Three short examples you can copy today.",
            "The right message at the right moment",
            "<p>This is how teams of your size reach the right customer at the right moment:</p>"
            + _list(
                "ul",
                "<strong>A welcome series</strong> greets new subscribers and shows them around in their first week.",
                "<strong>A cart reminder</strong> gives a friendly nudge an hour after someone leaves a full cart.",
                "<strong>A win-back offer</strong> brings a personal discount when a good customer goes quiet.",
            )
            + _p("Each takes about ten minutes to set up from a ready-made journey."),
            "See the examples",
            f"{SHOP}/journeys",
        ),
        "de": Email(
            "So nutzen Teams wie deins Flowbuilder",
            "Drei kurze Beispiele, die du heute noch übernehmen kannst.",
            "Die richtige Nachricht im richtigen Moment",
            "<p>so erreichen Teams in deiner Größe die richtigen Kundinnen und Kunden genau im richtigen Moment:</p>"
            + _list(
                "ul",
                "<strong>Eine Willkommensserie</strong> begrüßt neue Abonnenten und zeigt ihnen in der ersten Woche alles Wichtige.",
                "<strong>Eine Warenkorb-Erinnerung</strong> gibt einen freundlichen Anstoß, eine Stunde nachdem jemand einen vollen Warenkorb stehen lässt.",
                "<strong>Ein Rückgewinnungsangebot</strong> schenkt guten Kunden einen persönlichen Rabatt, wenn sie still werden.",
            )
            + _p("Mit einer fertigen Journey richtest du jede davon in etwa zehn Minuten ein."),
            "Beispiele ansehen",
            f"{SHOP}/journeys",
        ),
        "nl": Email(
            "Zo gebruiken teams zoals het jouwe Flowbuilder",
            "Drie korte voorbeelden die je vandaag nog kunt overnemen.",
            "De juiste boodschap op het juiste moment",
            "<p>Zo bereiken teams van jouw omvang de juiste klant op het juiste moment:</p>"
            + _list(
                "ul",
                "<strong>Een welkomstreeks</strong> verwelkomt nieuwe abonnees en laat ze in hun eerste week alles zien.",
                "<strong>Een winkelwagenherinnering</strong> geeft een vriendelijk duwtje, een uur nadat iemand een volle winkelwagen achterlaat.",
                "<strong>Een win-backaanbieding</strong> geeft een goede klant die stil wordt een persoonlijke korting.",
            )
            + _p("Met een kant-en-klare journey zet je ze elk in zo'n tien minuten op."),
            "Bekijk de voorbeelden",
            f"{SHOP}/journeys",
        ),
        "sv": Email(
            "Så använder team som ditt Flowbuilder",
            "Tre korta exempel som du kan använda redan i dag.",
            "Rätt budskap i rätt ögonblick",
            "<p>Så här når team i din storlek rätt kund i rätt ögonblick:</p>"
            + _list(
                "ul",
                "<strong>En välkomstserie</strong> hälsar nya prenumeranter välkomna och visar dem runt under den första veckan.",
                "<strong>En påminnelse om varukorgen</strong> ger en vänlig knuff en timme efter att någon lämnat en full varukorg.",
                "<strong>Ett återvinningserbjudande</strong> ger en bra kund som har blivit tyst en personlig rabatt.",
            )
            + _p("Med en färdig journey sätter du upp var och en på ungefär tio minuter."),
            "Se exemplen",
            f"{SHOP}/journeys",
        ),
    },
    "Nurture: customer story": {
        "en": Email(
            "How Acme doubled repeat orders",
            "A customer story, told in two minutes.",
            "How Acme doubled repeat orders",
            _p(
                "Acme started with one simple journey: a thank-you email after each order, and a request for a review a week later."
            )
            + _quote(
                "“We expected a few extra reviews. We did not expect repeat orders to double within six months.”",
                "Jamie, Head of E-commerce at Acme",
            )
            + _p("The best part: it runs by itself."),
            "Read the full story",
            f"{SHOP}/stories/acme",
        ),
        "de": Email(
            "Wie Acme seine Wiederholungskäufe verdoppelt hat",
            "Eine Erfolgsgeschichte, erzählt in zwei Minuten.",
            "Wie Acme seine Wiederholungskäufe verdoppelt hat",
            _p(
                "Acme hat mit einer einzigen, einfachen Journey angefangen: einer Danke-E-Mail nach jeder Bestellung und einer Bitte um eine Bewertung eine Woche später."
            )
            + _quote(
                "„Wir haben mit ein paar zusätzlichen Bewertungen gerechnet. Aber nicht damit, dass sich die Wiederholungskäufe innerhalb von sechs Monaten verdoppeln.“",
                "Jamie, Head of E-Commerce bei Acme",
            )
            + _p("Das Beste daran: Sie läuft ganz von allein."),
            "Die ganze Geschichte lesen",
            f"{SHOP}/stories/acme",
        ),
        "nl": Email(
            "Hoe Acme het aantal herhaalaankopen verdubbelde",
            "Een klantverhaal, verteld in twee minuten.",
            "Hoe Acme het aantal herhaalaankopen verdubbelde",
            _p(
                "Acme begon met één simpele journey: een bedankmail na elke bestelling en een week later een verzoek om een review."
            )
            + _quote(
                "“We verwachtten een paar extra reviews. We hadden niet verwacht dat het aantal herhaalaankopen binnen zes maanden zou verdubbelen.”",
                "Jamie, Head of E-commerce bij Acme",
            )
            + _p("Het mooiste: het loopt helemaal vanzelf."),
            "Lees het hele verhaal",
            f"{SHOP}/stories/acme",
        ),
        "sv": Email(
            "Så fördubblade Acme sina återkommande köp",
            "En kundberättelse på två minuter.",
            "Så fördubblade Acme sina återkommande köp",
            _p(
                "Acme började med en enda enkel journey: ett tackmejl efter varje beställning och en förfrågan om ett omdöme en vecka senare."
            )
            + _quote(
                "”Vi räknade med några fler omdömen. Vi räknade inte med att de återkommande köpen skulle fördubblas på sex månader.”",
                "Jamie, e-handelschef på Acme",
            )
            + _p("Det bästa av allt: den sköter sig själv."),
            "Läs hela berättelsen",
            f"{SHOP}/stories/acme",
        ),
    },
    "Cart reminder": {
        "en": Email(
            "{{ contact.first_name | default('Psst') }}, you left something in your cart",
            "Your cart is saved — complete your order whenever you are ready.",
            "Still thinking it over?",
            _p(
                "You left a few things in your cart. No rush — we have saved it for you, so you can pick up right where you left off.",
                "Questions about sizes, shipping or returns? Just reply to this email; a real person will answer.",
            ),
            "Back to your cart",
            f"{SHOP}/cart",
        ),
        "de": Email(
            "{{ contact.first_name | default('Psst') }}, in deinem Warenkorb wartet noch etwas",
            "Wir haben deinen Warenkorb gespeichert – bestell einfach, wann es dir passt.",
            "Noch am Überlegen?",
            _p(
                "du hast noch ein paar Dinge in deinem Warenkorb. Kein Stress – wir haben ihn für dich gespeichert, sodass du genau da weitermachen kannst, wo du aufgehört hast.",
                "Fragen zu Größen, Versand oder Rückgabe? Antworte einfach auf diese E-Mail – bei uns antwortet ein echter Mensch.",
            ),
            "Zurück zum Warenkorb",
            f"{SHOP}/cart",
        ),
        "nl": Email(
            "{{ contact.first_name | default('Psst') }}, er ligt nog iets in je winkelwagen",
            "We hebben je winkelwagen bewaard – bestel wanneer het jou uitkomt.",
            "Twijfel je nog?",
            _p(
                "Je hebt nog een paar dingen in je winkelwagen laten liggen. Geen haast – we hebben hem voor je bewaard, zodat je precies verder kunt waar je gebleven was.",
                "Vragen over maten, verzending of retourneren? Beantwoord gewoon deze e-mail; er zit een echt mens aan de andere kant.",
            ),
            "Terug naar je winkelwagen",
            f"{SHOP}/cart",
        ),
        "sv": Email(
            "{{ contact.first_name | default('Psst') }}, du har glömt något i varukorgen",
            "Vi har sparat din varukorg – beställ när det passar dig.",
            "Fortfarande fundersam?",
            _p(
                "Du har några saker kvar i varukorgen. Ingen brådska – vi har sparat den åt dig, så att du kan fortsätta precis där du slutade.",
                "Har du frågor om storlekar, frakt eller returer? Svara bara på det här mejlet, så svarar en riktig människa.",
            ),
            "Tillbaka till varukorgen",
            f"{SHOP}/cart",
        ),
    },
    "Thank you for your order": {
        "en": Email(
            "Thank you for your order!",
            "Three things to do first with your purchase.",
            "Thank you!",
            "<p>Your order is being packed. While you wait, here are three things to do first:</p>"
            + _list(
                "ol",
                "<strong>Follow your parcel</strong> from your account.",
                "<strong>Register your product</strong> for the extended warranty.",
                "<strong>Browse our quick-start guides</strong> to get going on day one.",
            ),
            "View your order",
            f"{SHOP}/account/orders",
        ),
    },
    "Review request": {
        "en": Email(
            "How did we do?",
            "Your review takes a minute and helps others choose.",
            "How did we do?",
            _p(
                "We hope you are enjoying your purchase. Would you take a minute to tell us — and other shoppers — what you think?"
            )
            + f'<p><a class="stars" href="{SHOP}/review">★★★★★</a></p>'
            + _p("Honest reviews, good or bad, help us get better and help others choose."),
            "Write a review",
            f"{SHOP}/review",
        ),
        "de": Email(
            "Wie gefällt dir dein Einkauf?",
            "Deine Bewertung dauert nur eine Minute und hilft anderen bei der Wahl.",
            "Wie haben wir uns geschlagen?",
            _p(
                "wir hoffen, du hast Freude an deinem Einkauf. Hast du eine Minute, um uns – und anderen Kundinnen und Kunden – zu erzählen, wie er dir gefällt?"
            )
            + f'<p><a class="stars" href="{SHOP}/review">★★★★★</a></p>'
            + _p(
                "Ehrliche Bewertungen, ob gut oder schlecht, helfen uns, besser zu werden – und anderen, das Richtige zu finden."
            ),
            "Bewertung schreiben",
            f"{SHOP}/review",
        ),
        "nl": Email(
            "Hoe bevalt je aankoop?",
            "Je review kost maar een minuutje en helpt anderen kiezen.",
            "Hoe hebben we het gedaan?",
            _p(
                "We hopen dat je blij bent met je aankoop. Heb je een minuutje om ons – en andere shoppers – te laten weten wat je ervan vindt?"
            )
            + f'<p><a class="stars" href="{SHOP}/review">★★★★★</a></p>'
            + _p("Eerlijke reviews, goed of slecht, helpen ons beter te worden en helpen anderen kiezen."),
            "Schrijf een review",
            f"{SHOP}/review",
        ),
        "sv": Email(
            "Hur nöjd är du med ditt köp?",
            "Ditt omdöme tar bara en minut och hjälper andra att välja.",
            "Hur gjorde vi ifrån oss?",
            _p(
                "Vi hoppas att du är nöjd med ditt köp. Har du en minut över att berätta för oss – och andra kunder – vad du tycker?"
            )
            + f'<p><a class="stars" href="{SHOP}/review">★★★★★</a></p>'
            + _p("Ärliga omdömen, bra som dåliga, hjälper oss att bli bättre och hjälper andra att välja rätt."),
            "Skriv ett omdöme",
            f"{SHOP}/review",
        ),
    },
    "We miss you": {
        "en": Email(
            "{{ contact.first_name | default('Hey') }}, we miss you – here is 15 % off",
            "15 % off your next order, valid for two weeks.",
            "It has been a while",
            _p(
                "We noticed you have not been by for a while, and we would love to see you again. So here is a little welcome-back present:"
            )
            + _note("15 % off", "Use the code <strong>COMEBACK15</strong> at checkout. Valid for two weeks."),
            "Shop now",
            f"{SHOP}/?code=COMEBACK15",
        ),
        "de": Email(
            "{{ contact.first_name | default('Hallo') }}, wir vermissen dich – hier sind 15 % für dich",
            "15 % Rabatt auf deine nächste Bestellung, zwei Wochen lang gültig.",
            "Lange nicht gesehen!",
            _p(
                "du warst schon eine Weile nicht mehr bei uns, und wir würden uns freuen, dich wiederzusehen. Deshalb gibt es ein kleines Willkommen-zurück-Geschenk:"
            )
            + _note("15 % Rabatt", "Mit dem Code <strong>COMEBACK15</strong> an der Kasse. Zwei Wochen lang gültig."),
            "Jetzt shoppen",
            f"{SHOP}/?code=COMEBACK15",
        ),
        "nl": Email(
            "{{ contact.first_name | default('Hoi') }}, we missen je – hier is 15 % korting",
            "15 % korting op je volgende bestelling, twee weken geldig.",
            "Lang niet gezien!",
            _p(
                "Je bent al een tijdje niet langs geweest en we zouden je graag weer zien. Daarom hebben we een klein welkom-terug-cadeautje voor je:"
            )
            + _note(
                "15 % korting", "Gebruik de code <strong>COMEBACK15</strong> bij het afrekenen. Twee weken geldig."
            ),
            "Nu shoppen",
            f"{SHOP}/?code=COMEBACK15",
        ),
        "sv": Email(
            "{{ contact.first_name | default('Hej') }}, vi saknar dig – här är 15 % rabatt",
            "15 % rabatt på din nästa beställning, giltig i två veckor.",
            "Länge sedan sist!",
            _p(
                "Det var ett tag sedan du var hos oss, och vi skulle gärna se dig igen. Därför får du en liten välkommen tillbaka-present:"
            )
            + _note("15 % rabatt", "Använd koden <strong>COMEBACK15</strong> i kassan. Giltig i två veckor."),
            "Handla nu",
            f"{SHOP}/?code=COMEBACK15",
        ),
    },
    "Last chance offer": {
        "en": Email(
            "Your 15 % ends in three days",
            "Last chance to use COMEBACK15.",
            "Last chance",
            _p(
                "Just a heads-up: your comeback discount ends in three days. After that, the code <strong>COMEBACK15</strong> stops working."
            ),
            "Use my 15 %",
            f"{SHOP}/?code=COMEBACK15",
        ),
    },
    "Referral ask": {
        "en": Email(
            "Know someone who would love us?",
            "Give 20 %, get 20 %.",
            "Share the love",
            _p(
                "Thanks for being a fan! Share your personal link with a friend: they get 20 % off their first order, and you get 20 % off your next one."
            )
            + _note("20 % + 20 %", "For your friend’s first order, and for your next one."),
            "Share your link",
            f"{SHOP}/refer",
        ),
    },
}


def demo_load() -> int:
    """Create the demo templates that do not exist yet (with their translations), through the
    real service so every one is checked. Templates that exist are left exactly as they are,
    even when they differ from these. Returns how many were created."""
    created = 0
    existing = {name.lower() for name in EmailTemplate.objects.values_list("name", flat=True)}
    for name, versions in TEMPLATES.items():
        if name.lower() in existing:
            continue
        content = {code: email_content(code, email) for code, email in versions.items()}
        template_save(
            data={
                "name": name,
                "language": "en",
                **content.pop("en"),
                "sender_name": COMPANY,
                "sender_email": SENDER_EMAIL,
            },
            translations=content,
        )
        created += 1
    return created


def email_content(language: str, email: Email) -> dict[str, str]:
    """One language version as a template holds it: subject, preheader, HTML and (empty) text body."""
    return {
        "subject": email.subject,
        "preheader": email.preheader,
        "html_body": email_html(language, email),
        "text_body": "",
    }
