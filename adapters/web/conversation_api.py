"""The conversation on a case: the thread (customers and agents see it without internal notes or staff ids, customers
without agents' contact logs) and the questions investigators put to the customer."""

from aiohttp import web

from adapters.web.disputes_api import ONE, STAFF, dispute_response, expected_versions
from adapters.web.endpoint import Call, Endpoint, json_response
from adapters.web.keys import SERVICE
from disputes.conversation import thread
from disputes.errors import Contended, QuestionPending, QuestionsClosed, TooManyQuestions
from schemas.api import DisputeView
from schemas.common import CUSTOMER_SIDE, Role
from schemas.conversation import AskCustomer, Thread


async def get_thread(call: Call) -> web.Response:
    dispute = await call.request.app[SERVICE].read(call.actor, call.path_id())
    return json_response(Thread(dispute_id=dispute.id, messages=thread(
        dispute, internal=call.actor.is_staff, contact_logs=call.actor.role is not Role.CUSTOMER
    )))


async def request_information(call: Call) -> web.Response:
    body: AskCustomer = call.body
    dispute = await call.request.app[SERVICE].request_information(
        call.actor, call.path_id(), body.question, expected_versions(call)
    )
    return dispute_response(call, dispute, 201)


ENDPOINTS = (
    Endpoint("GET", ONE + "/thread", get_thread,
             "The conversation: the customer's words, agents' and investigators' messages, questions to the customer "
             "with their answers, agents' contact logs (customers and agents: without internal notes or staff ids; "
             "customers: without contact logs)", CUSTOMER_SIDE | STAFF,
             response=Thread, errors=(404,)),
    Endpoint("POST", ONE + "/information-requests", request_information,
             "Ask the customer a question, answered by their next message; the decision deadline is paused meanwhile",
             STAFF, AskCustomer, response=DisputeView, status=201, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(QuestionsClosed, QuestionPending, TooManyQuestions, Contended)),
)
