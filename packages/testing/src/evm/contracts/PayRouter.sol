// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// Pays through internal calls, as routers and aggregators do: the payer approves the router,
/// the router moves the tokens; the transaction's `to` is the router, never the payee.
contract PayRouter {
    function pay(address token, address to, uint256 value) external {
        require(IERC20Like(token).transferFrom(msg.sender, to, value), "PayRouter: transfer");
    }

    /// Two Transfer logs in one transaction.
    function paySplit(address token, address to, uint256 first, uint256 second) external {
        require(IERC20Like(token).transferFrom(msg.sender, to, first), "PayRouter: first");
        require(IERC20Like(token).transferFrom(msg.sender, to, second), "PayRouter: second");
    }
}
